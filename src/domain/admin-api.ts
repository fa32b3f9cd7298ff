// Request and response shapes of the admin API (/api/admin/*). Every endpoint is scoped to the
// signed-in admin's unit: a centre sees its students, a branch its centres, HQ everything.
import type { SupportContact } from './api.js';
import type { CheckResult } from './checks.js';
import type { ExamDecision, ExamUnableReason } from './exam.js';
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
  /** Another admin set the password (create, reset): every other endpoint answers
   *  auth.password_change_required until POST /api/admin/password. */
  mustChangePassword: boolean;
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
   * reviewer to compare. Outside the reviewer's scope only the similarity is told: the student
   * number, centre and photo of someone the reviewer may not see are null.
   */
  duplicateOf?: {
    studentNumber: string | null;
    centreName: string | null;
    similarity: number;
    photoUrl: string | null;
  };
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

/**
 * POST /api/admin/roster (multipart "file", CSV or XLSX) ?acceptGoodRows=true. A file over the row
 * cap (KAOZHAO_ROSTER_MAX_ROWS) is refused whole with 400 roster.too_many_rows.
 */
export interface RosterImportResponse {
  imported: boolean;
  total: number;
  /** New student numbers. */
  inserted: number;
  /** Students of the importer's scope rewritten by their row (moved ones included). */
  updated: number;
  /** Of `updated`, students whose row put them in another learning centre (audited as moves). */
  moved: number;
  /** Rows refused; a student number outside the importer's scope counts here like any unusable one. */
  rejected: number;
  /** The first ROSTER_ERRORS_SHOWN row errors, in file order. */
  errors: RosterRowError[];
  /** All row errors, shown or not. */
  errorCount: number;
}

/** Row errors listed in a roster answer; the rest are counted in errorCount. */
export const ROSTER_ERRORS_SHOWN = 1000;

/** POST /api/admin/students/:studentNumber/move: into another learning centre of the admin's scope. */
export interface StudentMoveRequest {
  /** The target centre's code (the roster's 学习中心代码). */
  centreCode: string;
}

export interface StudentMoveResponse {
  studentNumber: string;
  /** False when the student already belonged to that centre (nothing changed, nothing audited). */
  moved: boolean;
  from: { code: string; name: string };
  to: { code: string; name: string };
}

/** POST /api/admin/students/:studentNumber/erase (HQ): the student number again, as confirmation. */
export interface StudentEraseRequest {
  confirm: string;
}

/** What was removed; the student row itself is gone, so the number no longer signs in. */
export interface StudentEraseResponse {
  erased: true;
  photos: number;
  submissions: number;
  consents: number;
  sessions: number;
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

/** Admin passwords: the rules are in password-policy.ts (checkPasswordPolicy). */
export { PASSWORD_MIN_LENGTH } from './password-policy.js';

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
  /** Sign-in refused until then (ISO time) after repeated wrong passwords; null when not locked. */
  lockedUntil: string | null;
  /** Consecutive wrong passwords since the last sign-in or lock. */
  failedLogins: number;
  /** The password was set by another admin and not yet changed by its owner. */
  mustChangePassword: boolean;
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

/**
 * PATCH /api/admin/admins/:id: disable/enable, reset the password, rename. Answers the AdminAccount.
 * A reset makes the owner choose a new password at next sign-in; one's own password is changed
 * with POST /api/admin/password instead. POST /api/admin/admins/:id/unlock lifts a sign-in lock.
 */
export interface AdminUpdateRequest {
  active?: boolean;
  password?: string;
  displayName?: string;
}

/**
 * POST /api/admin/students/:studentNumber/verify-face (multipart "photo": the live face, optional
 * field "sessionId"). Every answer is a stored check (checkId). With a session, 无法比对 answers 200
 * with decision "unable" and the reason; without, it answers that reason as an error (422/404).
 */
export interface ExamVerifyResponse {
  checkId: number;
  sessionId: number | null;
  studentNumber: string;
  maskedName: string;
  decision: ExamDecision;
  /** Why no comparison was made (decision "unable"). */
  reason: ExamUnableReason | null;
  /** Cosine similarity of the live face and the collected photo (-1..1); null when not compared. */
  similarity: number | null;
  /** Same person when similarity > threshold (VERIFY_THRESHOLD). */
  threshold: number;
  match: boolean;
  /** The collected photo compared with, and where the console fetches it. */
  photoId: string | null;
  photoUrl: string | null;
  /** Detector confidence of the live face (0..1); null without a face. */
  liveFaceScore: number | null;
  /** Advisory anti-spoof score (1 = a real face) when the engine gives one; never decides. */
  antiSpoof: number | null;
}

/** POST /api/admin/password: one's own password. Other sessions of the account end. Answers AdminSelf. */
export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}
