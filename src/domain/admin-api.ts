// Request and response shapes of the admin API (/api/admin/*). Every endpoint is scoped to the
// signed-in admin's unit: a centre sees its students, a branch its centres, HQ everything.
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

/** GET /api/admin/units → the units in the admin's scope. */
export interface UnitsResponse {
  items: UnitNode[];
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
