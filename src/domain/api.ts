// Request and response shapes of the student API, shared by the server (which validates them with
// route schemas) and the student app (which renders them). Change both sides through this file.
import type { BackgroundName } from './backgrounds.js';
import type { CheckResult, CheckStatus } from './checks.js';
import type { PhotoStatus } from './photo-status.js';

export interface SupportContact {
  /** e.g. "学习中心" / "技术支持" */
  label: string;
  phone?: string;
  email?: string;
  wechat?: string;
  hours?: string;
  /** A learning centre's (or branch's) own contact: shown to students who open that centre's
   *  entry link (src/domain/entry.ts), not on the general home page. */
  unitCode?: string;
}

export interface CampaignInfo {
  id: string;
  name: string;
  /** ISO 8601 */
  startsAt: string;
  endsAt: string;
  /** Whether the window is open right now. */
  open: boolean;
  spec: {
    id: string;
    width: number;
    height: number;
    backgrounds: { name: BackgroundName; rgb: [number, number, number] }[];
    defaultBackground: BackgroundName;
  };
  support: SupportContact[];
}

/** GET /api/campaign → the current campaign, or 404 campaign.none. */
export type CampaignResponse = CampaignInfo;

/** POST /api/student/identify */
export interface IdentifyRequest {
  studentNumber: string;
}
export interface IdentifyResponse {
  studentNumber: string;
  /** 张*三 */
  maskedName: string;
  /** 1101**********1234 */
  maskedIdNumber: string;
  unitName: string;
}

/** POST /api/student/verify: the full ID number proves identity and sets the session cookie. */
export interface VerifyRequest {
  studentNumber: string;
  idNumber: string;
}

/**
 * Where the student stands in the current campaign:
 * not_started / closed: outside the window; exempt: an approved photo from a recent semester counts;
 * todo: must submit; submitted: a submission is awaiting review or approved.
 */
export type CollectionState = 'not_started' | 'closed' | 'exempt' | 'todo' | 'submitted' | 'no_campaign';

export interface StudentSelf {
  studentNumber: string;
  maskedName: string;
  maskedIdNumber: string;
  unitName: string;
  state: CollectionState;
  /** Agreement version the student has accepted, or null: consent is needed before upload. */
  consentVersion: string | null;
  currentAgreementVersion: string;
}

/** POST /api/student/verify and GET /api/student/me → StudentSelf */
export type MeResponse = StudentSelf;

/** GET /api/agreement */
export interface AgreementResponse {
  version: string;
  title: string;
  /** Plain text, paragraphs separated by blank lines. */
  text: string;
}

/** POST /api/student/consent */
export interface ConsentRequest {
  version: string;
}

/**
 * POST /api/student/photos (multipart, field "photo") → 202 PhotoAttempt with status "processing".
 * GET /api/student/photos/:id → PhotoAttempt (poll), GET /api/student/photos/:id/events → SSE of
 * PhotoAttempt until it leaves "processing".
 */
export interface PhotoAttempt {
  id: string;
  status: PhotoStatus;
  createdAt: string;
  /** 0..1 while processing. */
  progress: number;
  /** Set when processing failed (bad image, engine error). */
  error: { code: string; message: string } | null;
  /** Worst status of the report; null while processing. */
  verdict: CheckStatus | null;
  report: CheckResult[];
  /** URLs of the made photo per background (GET returns image/jpeg), empty if none was made. */
  photos: Partial<Record<BackgroundName, string>>;
  /** URL of the RGBA PNG cut-out, or null. */
  cutout: string | null;
  /** Background chosen at submission, null before. */
  background: BackgroundName | null;
  submittedAt: string | null;
  /** Reviewer's reason when rejected. */
  rejectionReason: string | null;
}

/** POST /api/student/photos/:id/submit — idempotent: a second call returns the same result. */
export interface SubmitRequest {
  background: BackgroundName;
}

/** GET /api/student/photos → the student's own attempts, newest first. */
export interface PhotoHistoryResponse {
  items: PhotoAttempt[];
}

/** Every 4xx/5xx body. `message` is zh-CN for the student; nothing personal in it. */
export interface ApiError {
  code: string;
  message: string;
  messageEn?: string;
}
