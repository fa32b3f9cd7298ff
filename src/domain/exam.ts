// The 考场核验 station: exam sessions, the checks made at the door and the invigilator's override.
// One definition for the server, the database schema and the console.
import type { ErrorCode } from './errors.js';

/** What the comparison said: same person, another person, or no comparison possible (the reason says why). */
export const EXAM_DECISIONS = ['pass', 'fail', 'unable'] as const;
export type ExamDecision = (typeof EXAM_DECISIONS)[number];

export const EXAM_DECISION_LABELS: Record<ExamDecision, string> = {
  pass: '通过',
  fail: '不通过',
  unable: '无法比对',
};

/** An invigilator's own judgement after looking at the student and the ID card. */
export const EXAM_OVERRIDES = ['pass', 'fail'] as const;
export type ExamOverride = (typeof EXAM_OVERRIDES)[number];

export const EXAM_OVERRIDE_LABELS: Record<ExamOverride, string> = {
  pass: '人工核对通过',
  fail: '人工核对不通过',
};

/** Why a check is 无法比对: the same codes the endpoint answers without a session. */
export const EXAM_UNABLE_REASONS = [
  'exam.no_face',
  'exam.face_covered',
  'exam.no_photo',
] as const satisfies readonly ErrorCode[];
export type ExamUnableReason = (typeof EXAM_UNABLE_REASONS)[number];

/** Short labels for the result screen and the export ("无法比对（未检测到人脸）"). */
export const EXAM_UNABLE_LABELS: Record<ExamUnableReason, string> = {
  'exam.no_face': '未检测到人脸',
  'exam.face_covered': '人脸被遮挡',
  'exam.no_photo': '无审核通过的采集照片',
};

export const EXAM_SESSION_NAME_MAX = 60;
export const EXAM_ROOM_MAX = 40;
export const EXAM_OVERRIDE_REASON_MAX = 200;

/** The outcome that counts: the override when there is one, else the comparison. */
export function finalDecision(c: { decision: ExamDecision; override: ExamOverride | null }): ExamDecision {
  return c.override ?? c.decision;
}

/** POST /api/admin/exam/sessions. */
export interface ExamSessionCreateRequest {
  name: string;
  room: string;
  /** ISO 8601. */
  startsAt: string;
  /** The learning centre; default the caller's own unit (which must then be a centre). */
  centreId?: number;
}

export interface ExamSessionCounts {
  /** Checks made (a retake is a second check). */
  checked: number;
  /** Distinct students checked. */
  students: number;
  /** Final outcomes (override included). */
  passed: number;
  failed: number;
  unable: number;
  overridden: number;
}

export interface ExamSession {
  id: number;
  name: string;
  room: string;
  startsAt: string;
  centre: { id: number; name: string; code: string };
  createdAt: string;
  counts: ExamSessionCounts;
}

/** GET /api/admin/exam/sessions. */
export interface ExamSessionsResponse {
  items: ExamSession[];
}

export interface ExamCheck {
  id: number;
  sessionId: number | null;
  at: string;
  studentNumber: string;
  maskedName: string;
  decision: ExamDecision;
  reason: ExamUnableReason | null;
  similarity: number | null;
  threshold: number | null;
  antiSpoof: number | null;
  /** Display name of the admin who checked. */
  checkedBy: string;
  override: ExamOverride | null;
  overrideReason: string | null;
  overrideBy: string | null;
  overrideAt: string | null;
}

/** GET /api/admin/exam/sessions/:id/checks (newest first). */
export interface ExamChecksResponse {
  items: ExamCheck[];
}

/** POST /api/admin/exam/checks/:id/override. Answers the ExamCheck. */
export interface ExamOverrideRequest {
  decision: ExamOverride;
  reason: string;
}

/**
 * The station's face box: a small copy of the live frame goes to POST
 * /api/admin/exam/detect-face a few times a second. Small so that detection is cheap and so that
 * the frame is useless as a photo; the server keeps nothing of it.
 */
export const EXAM_DETECT_LONG_SIDE = 320;
export const EXAM_DETECT_MAX_BYTES = 200_000;
/** Per admin: the station polls 3–4 times a second, a second tab or a retry burst still fits. */
export const EXAM_DETECT_PER_MINUTE = 480;

/** One face the detector is sure of, as fractions (0..1) of the frame it was found in. */
export interface ExamFaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Detector confidence 0..1. */
  score: number;
}

/** POST /api/admin/exam/detect-face: the faces found, largest first (nothing is stored). */
export interface ExamDetectResponse {
  faces: ExamFaceBox[];
}
