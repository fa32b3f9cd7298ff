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
};

export function pagesFor(role: Role): PageKey[] {
  return PAGES.filter((p) => can(role, PAGE_PERMISSION[p]));
}

export function canDo(role: Role, action: Permission): boolean {
  return can(role, action);
}
