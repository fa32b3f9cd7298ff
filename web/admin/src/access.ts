// Which console pages each role sees, from the permissions the server enforces
// (src/domain/roles.ts): the console only hides what would be refused anyway.
import { can, type Permission, type Role } from '../../../src/domain/roles.js';

export const PAGES = [
  'progress',
  'uncollected',
  'review',
  'daily',
  'roster',
  'campaigns',
  'units',
  'admins',
  'audit',
  'entry',
  'exam',
  'examSessions',
  'reminders',
] as const;
export type PageKey = (typeof PAGES)[number];

export const PAGE_TITLES: Record<PageKey, string> = {
  progress: '进度总览',
  uncollected: '未采集学生',
  review: '照片审核',
  daily: '日报',
  roster: '花名册导入',
  campaigns: '采集活动',
  units: '单位管理',
  admins: '管理员账号',
  audit: '审计日志',
  entry: '入口二维码',
  exam: '考场核验',
  examSessions: '考场场次',
  reminders: '催交提醒',
};

const PAGE_PERMISSION: Record<PageKey, Permission> = {
  progress: 'progress',
  uncollected: 'progress',
  review: 'review',
  daily: 'progress',
  roster: 'roster',
  campaigns: 'campaigns',
  units: 'manageUnits',
  admins: 'manageAdmins',
  audit: 'audit',
  // The units that chase their students print the posters (reviewers do not).
  entry: 'progress',
  // The exam-room door: an invigilator sees these two pages and nothing else.
  exam: 'examVerify',
  examSessions: 'examVerify',
  // What the reminders sent from 未采集学生 became: delivery status per student, and the outbox.
  reminders: 'remind',
};

export function pagesFor(role: Role): PageKey[] {
  return PAGES.filter((p) => can(role, PAGE_PERMISSION[p]));
}

export function canDo(role: Role, action: Permission): boolean {
  return can(role, action);
}
