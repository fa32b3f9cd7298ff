// Admin roles and the org-unit levels they are scoped to.
export const UNIT_LEVELS = ['hq', 'branch', 'centre'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

export const UNIT_LEVEL_LABELS: Record<UnitLevel, string> = {
  hq: '总部',
  branch: '分部/学院',
  centre: '学习中心',
};

export const ROLES = ['hq', 'branch', 'centre', 'reviewer'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  hq: '总部管理员',
  branch: '分部管理员',
  centre: '学习中心管理员',
  reviewer: '审核员',
};

/**
 * Who may do what in the admin API; the unit scope (a centre its students, a branch its centres,
 * HQ everything) applies on top. The server enforces it; the console hides what would be refused.
 */
export const PERMISSIONS = {
  progress: ['hq', 'branch', 'centre'],
  review: ['hq', 'branch', 'reviewer'],
  exportPhotos: ['hq', 'branch'],
  roster: ['hq', 'branch'],
  campaigns: ['hq'],
  audit: ['hq', 'branch'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
