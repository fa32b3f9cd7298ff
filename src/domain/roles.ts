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
