// Admin roles and the org-unit levels they are scoped to.
export const UNIT_LEVELS = ['hq', 'branch', 'centre'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

export const UNIT_LEVEL_LABELS: Record<UnitLevel, string> = {
  hq: '总部',
  branch: '分部/学院',
  centre: '学习中心',
};

export const ROLES = ['hq', 'branch', 'centre', 'reviewer', 'invigilator'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  hq: '总部管理员',
  branch: '分部管理员',
  centre: '学习中心管理员',
  reviewer: '审核员',
  invigilator: '监考员',
};

/**
 * Who may do what in the admin API; the unit scope (a centre its students, a branch its centres,
 * HQ everything) applies on top. The server enforces it; the console hides what would be refused.
 */
export const PERMISSIONS = {
  progress: ['hq', 'branch', 'centre'],
  /**
   * See students' phone numbers in full: the learning centre is who calls the missing students;
   * HQ and branches see them masked, so an HQ-wide list of millions is not a phone directory.
   */
  studentPhones: ['centre'],
  /** Compare a live face with a student's collected photo at exam entry (exam rooms are run by
   *  the units, inside their scope; reviewers judge photos, not people at the door). Invigilators
   *  (a centre's exam-room staff) may do this and nothing else: exam sessions, checks, overrides. */
  examVerify: ['hq', 'branch', 'centre', 'invigilator'],
  review: ['hq', 'branch', 'reviewer'],
  exportPhotos: ['hq', 'branch'],
  roster: ['hq', 'branch'],
  /** Read the campaigns (window, spec, exemption rule, support contacts). */
  campaigns: ['hq', 'branch', 'centre'],
  /** Create and edit campaigns: they apply to every student, so HQ only. */
  manageCampaigns: ['hq'],
  /** Read the audit log of the unit scope. */
  audit: ['hq', 'branch', 'centre'],
  /** Create and rename units: HQ any, a branch its own centres. */
  manageUnits: ['hq', 'branch'],
  /** Create, disable and reset admin accounts: only the roles in MANAGED_ROLES, inside the scope
   *  (a centre: its own invigilators, who change with every exam term). */
  manageAdmins: ['hq', 'branch', 'centre'],
  /** Remind the uncollected students of the scope (SMS gateway, email, or the console's outbox),
   *  opt a student out, and see each reminder's delivery: the units that chase their students. */
  remind: ['hq', 'branch', 'centre'],
  /** Erase one student's photos, face data and personal fields (PIPL): irreversible, HQ only. */
  eraseStudents: ['hq'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** The roles whose accounts each role may create, disable and reset (inside its unit scope). */
export const MANAGED_ROLES: Record<Role, readonly Role[]> = {
  hq: ['hq', 'branch', 'centre', 'reviewer', 'invigilator'],
  branch: ['centre', 'reviewer', 'invigilator'],
  centre: ['invigilator'],
  reviewer: [],
  invigilator: [],
};

/** The unit levels an account of each role may belong to (its scope is that unit's subtree). */
export const ROLE_UNIT_LEVELS: Record<Role, readonly UnitLevel[]> = {
  hq: ['hq'],
  branch: ['branch'],
  centre: ['centre'],
  reviewer: ['hq', 'branch'],
  invigilator: ['centre'],
};

/** The level of unit created under a parent of each level (centres have no children). */
export const CHILD_LEVEL: Record<UnitLevel, UnitLevel | null> = {
  hq: 'branch',
  branch: 'centre',
  centre: null,
};

export function canManageRole(actor: Role, target: Role): boolean {
  return MANAGED_ROLES[actor].includes(target);
}
