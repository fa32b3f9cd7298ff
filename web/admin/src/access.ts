// Which console pages each role sees. The server enforces the same rules (PERMISSIONS in
// src/server/services/admin-auth.service.ts); this only hides what would be refused anyway.
import type { Role } from '../../../src/domain/roles.js';

export const PAGES = ['progress', 'uncollected', 'review', 'daily', 'roster', 'campaigns', 'audit'] as const;
export type PageKey = (typeof PAGES)[number];

export const PAGE_TITLES: Record<PageKey, string> = {
  progress: '进度总览',
  uncollected: '未采集学生',
  review: '照片审核',
  daily: '日报',
  roster: '花名册导入',
  campaigns: '采集活动',
  audit: '审计日志',
};

const PAGE_ROLES: Record<PageKey, readonly Role[]> = {
  progress: ['hq', 'branch', 'centre'],
  uncollected: ['hq', 'branch', 'centre'],
  review: ['hq', 'branch', 'reviewer'],
  daily: ['hq', 'branch', 'centre'],
  roster: ['hq', 'branch'],
  campaigns: ['hq'],
  audit: ['hq', 'branch'],
};

/** Actions inside pages that not every role with the page may use. */
const ACTION_ROLES = {
  exportPhotos: ['hq', 'branch'],
} as const satisfies Record<string, readonly Role[]>;

export function pagesFor(role: Role): PageKey[] {
  return PAGES.filter((p) => PAGE_ROLES[p].includes(role));
}

export function canDo(role: Role, action: keyof typeof ACTION_ROLES): boolean {
  return (ACTION_ROLES[action] as readonly Role[]).includes(role);
}
