// Request and response shapes of the admin API (/api/admin/*). Every endpoint is scoped to the
// signed-in admin's unit: a centre sees its students, a branch its centres, HQ everything.
import type { SupportContact } from './api.js';
import type { CheckResult } from './checks.js';
import type { Role, UnitLevel } from './roles.js';

/** POST /api/admin/login */
export interface AdminLoginRequest {
  username: string;
  password: string;
}

/** POST /api/admin/login and GET /api/admin/me */
export interface AdminSelf {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  unit: { id: number; level: UnitLevel; name: string; code: string };
}

export interface UnitNode {
  id: number;
  code: string;
  name: string;
  level: UnitLevel;
  parentId: number | null;
}

/** GET /api/admin/units → the units in the admin's scope (flat; parentId makes the tree). */
export interface UnitsResponse {
  items: UnitNode[];
}

/** POST /api/admin/units: a branch/college under HQ, or a centre under a branch. Answers the UnitNode. */
export interface UnitCreateRequest {
  parentId: number;
  /** Unique, 1–32 of A–Z a–z 0–9 _ -; the roster's 学习中心代码. */
  code: string;
  name: string;
}

/** PATCH /api/admin/units/:id. Answers the UnitNode. */
export interface UnitRenameRequest {
  name: string;
}

/** Counts of one unit in a campaign. required = enrolled − exempt; submitted = needsReview + approved. */
export interface ProgressCounts {
  enrolled: number;
  exempt: number;
  required: number;
  submitted: number;
  approved: number;
  needsReview: number;
  rejected: number;
  uncollected: number;
  /** submitted / required, 0..1 (1 when nothing is required). */
  rate: number;
}

export interface ProgressNode extends UnitNode, ProgressCounts {
  children: ProgressNode[];
}

/** GET /api/admin/progress?unitId=&campaignId= → the unit's subtree with rolled-up counts. */
export interface ProgressResponse {
  campaignId: string;
  generatedAt: string;
  root: ProgressNode;
}

export interface DailyPoint {
  day: string;
  submitted: number;
  approved: number;
  rejected: number;
}

/** GET /api/admin/progress/daily?unitId=&from=&to= */
export interface DailySeriesResponse {
  campaignId: string;
  unitId: number;
  days: DailyPoint[];
}

export interface DailyReportRow extends ProgressCounts {
  unitId: number;
  level: UnitLevel;
  code: string;
  name: string;
  branchName: string;
  /** Activity on the report date. */
  day: DailyPoint;
}

/** GET /api/admin/reports/daily?date=YYYY-MM-DD&unitId=&format=json|xlsx */
export interface DailyReportResponse {
  campaignId: string;
  date: string;
  rows: DailyReportRow[];
}

export interface UncollectedStudent {
  studentNumber: string;
  name: string;
  /** Masked: 1101**********1234 */
  idNumberMasked: string;
  centreId: number;
  centreName: string;
  intakeSemester: string;
  /** In full for a centre's own admins (PERMISSIONS.studentPhones), masked (138****5678) for others. */
  phone: string | null;
  /** null: never submitted; "rejected": the last submission was rejected. */
  lastStatus: 'rejected' | null;
}

/** GET /api/admin/units/:unitId/uncollected?after=&limit= (JSON) or ?format=xlsx (streamed file). */
export interface UncollectedResponse {
  items: UncollectedStudent[];
  /** Pass as `after` for the next page; null at the end. */
  next: number | null;
}

export interface ReviewItem {
  photoId: string;
  studentNumber: string;
  name: string;
  centreId: number;
  centreName: string;
  submittedAt: string;
  background: string | null;
  /** URL of the submitted photo (image/jpeg). */
  photoUrl: string;
  report: CheckResult[];
  /**
   * With identity.duplicate: the other student whose submitted photo shows the same face, for the
   * reviewer to compare (photoUrl only when that student is inside the reviewer's scope).
   */
  duplicateOf?: { studentNumber: string; centreName: string; similarity: number; photoUrl: string | null };
}

/** GET /api/admin/reviews?unitId=&limit=&offset= */
export interface ReviewQueueResponse {
  items: ReviewItem[];
}

/** POST /api/admin/reviews/:photoId */
export interface ReviewDecisionRequest {
  decision: 'approve' | 'reject';
  /** Required to reject; shown to the student. */
  reason?: string;
}

export interface ReviewDecisionResponse {
  photoId: string;
  status: 'approved' | 'rejected';
}

export interface RosterRowError {
  /** 1-based row number in the file, header = row 1. */
  row: number;
  column: string;
  reason: string;
}

/** POST /api/admin/roster (multipart "file", CSV or XLSX) ?acceptGoodRows=true */
export interface RosterImportResponse {
  imported: boolean;
  total: number;
  inserted: number;
  updated: number;
  rejected: number;
  errors: RosterRowError[];
}

/** GET /api/admin/campaigns → { items, specs }; POST /api/admin/campaigns; PUT /api/admin/campaigns/:id */
export interface AdminCampaign {
  id: string;
  name: string;
  /** e.g. 2026-2 (year, term 1 spring / 2 autumn). */
  semester: string;
  startsAt: string;
  endsAt: string;
  /** Photo spec id (src/photo/specs): size, backgrounds, file size. */
  specId: string;
  /** An approved photo from the last N semesters (0–10) exempts a student. */
  exemptionSemesters: number;
  support: SupportContact[];
}
/** The body of POST and PUT (PUT replaces every field). */
export type AdminCampaignInput = Omit<AdminCampaign, 'id'>;

export interface PhotoSpecOption {
  id: string;
  name: string;
}

export interface CampaignsResponse {
  /** Newest window first. */
  items: AdminCampaign[];
  /** The photo specs a campaign may use. */
  specs: PhotoSpecOption[];
}

/**
 * GET /api/admin/audit?unitId=&action=&limit=&offset= → { items }, newest first, entries on the
 * unit's subtree. `action` is one action (review.reject) or a family (review). Entries hold no
 * personal data: the students concerned are a count; detail holds filters, counts, file names.
 */
export interface AuditLogItem {
  id: number;
  at: string;
  adminUsername: string | null;
  action: string;
  unitId: number | null;
  unitName: string | null;
  studentCount: number;
  /** Non-personal detail: filters, counts, file names. */
  detail: Record<string, unknown>;
}
export interface AuditLogResponse {
  items: AuditLogItem[];
}

/** Admin passwords: at least this long, and not the username. */
export const PASSWORD_MIN_LENGTH = 10;

/** An admin account as managers see it (never the password hash). */
export interface AdminAccount {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  unitId: number;
  unitName: string;
  active: boolean;
  createdAt: string;
}

/** GET /api/admin/admins?unitId=&limit=&offset= → accounts on the unit's subtree, by username. */
export interface AdminAccountsResponse {
  items: AdminAccount[];
  total: number;
}

/** POST /api/admin/admins. Answers the AdminAccount. */
export interface AdminCreateRequest {
  username: string;
  displayName: string;
  role: Role;
  unitId: number;
  password: string;
}

/** PATCH /api/admin/admins/:id: disable/enable, reset the password, rename. Answers the AdminAccount. */
export interface AdminUpdateRequest {
  active?: boolean;
  password?: string;
  displayName?: string;
}

/** POST /api/admin/students/:studentNumber/verify-face (multipart "photo": the live face). */
export interface ExamVerifyResponse {
  studentNumber: string;
  maskedName: string;
  /** Cosine similarity of the live face and the collected photo (-1..1). */
  similarity: number;
  /** Same person when similarity > threshold (VERIFY_THRESHOLD). */
  threshold: number;
  match: boolean;
  /** The collected photo compared with. */
  photoId: string;
  /** Detector confidence of the live face (0..1). */
  liveFaceScore: number;
}
