// Exam entry: the face at the exam-room door compared 1:1 with the student's collected photo.
// The live frame is described by the same engine (verify.ts describeFace) that stored the photo's
// description, so the two are comparable; the frame itself is not kept. Every check is stored
// (who, session, when, student, score, decision), so a centre can show who was let in and why.
import ExcelJS from 'exceljs';
import type { ExamVerifyResponse } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import {
  EXAM_DECISION_LABELS,
  EXAM_DETECT_MAX_BYTES,
  EXAM_OVERRIDE_LABELS,
  EXAM_OVERRIDE_REASON_MAX,
  EXAM_ROOM_MAX,
  EXAM_SESSION_NAME_MAX,
  EXAM_UNABLE_LABELS,
  EXAM_UNABLE_REASONS,
  type ExamCheck,
  type ExamDecision,
  type ExamDetectResponse,
  type ExamOverrideRequest,
  type ExamSession,
  type ExamSessionCreateRequest,
  type ExamUnableReason,
  finalDecision,
} from '../../domain/exam.js';
import { cosineSimilarity, VERIFY_THRESHOLD } from '../../photo/similarity.js';
import type { FaceDescription } from '../../photo/verify.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { ExamCheckListRow, ExamRepository, ExamSessionListRow } from '../repositories/exam.repository.js';
import { unitContains } from '../repositories/org.repository.js';
import type { PhotoRepository } from '../repositories/photo.repository.js';
import type { PhotoEngineRepository } from '../repositories/photo-engine.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';
import { createFaceDetector, type FaceDetector } from './exam-face-detect.js';
import { maskName } from './id-number.js';
import { cleanText } from './manage-common.js';

/** The most checks one session lists or exports: a sitting is a few hundred students at most. */
export const EXAM_CHECKS_MAX = 10_000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The engine's anti-spoof score when its description carries one (human's antispoof model, 1 = a
 * real face): advisory only, it never decides, since a phone screen held up is what it catches
 * and a tired face under bad light is what it misreads.
 */
function antiSpoofOf(face: FaceDescription): number | null {
  const { real } = face;
  return typeof real === 'number' && Number.isFinite(real) ? round3(real) : null;
}

export function toExamCheck(r: ExamCheckListRow): ExamCheck {
  return {
    id: r.id,
    sessionId: r.sessionId,
    at: r.at.toISOString(),
    studentNumber: r.studentNumber,
    maskedName: maskName(r.studentName),
    decision: r.decision,
    reason: (EXAM_UNABLE_REASONS as readonly string[]).includes(r.reason ?? '') ? (r.reason as ExamUnableReason) : null,
    similarity: r.similarity === null ? null : round3(r.similarity),
    threshold: r.threshold === null ? null : round3(r.threshold),
    antiSpoof: r.antiSpoof === null ? null : round3(r.antiSpoof),
    checkedBy: r.checkedBy,
    override: r.override,
    overrideReason: r.overrideReason,
    overrideBy: r.overrideByName,
    overrideAt: r.overrideAt?.toISOString() ?? null,
  };
}

function toSession(r: ExamSessionListRow): ExamSession {
  return {
    id: r.id,
    name: r.name,
    room: r.room,
    startsAt: r.startsAt.toISOString(),
    centre: { id: r.centreId, name: r.centreName, code: r.centreCode },
    createdAt: r.createdAt.toISOString(),
    counts: r.counts,
  };
}

export function createExamService(deps: {
  students: StudentRepository;
  photos: PhotoRepository;
  engine: PhotoEngineRepository;
  audit: AuditRepository;
  auth: AdminAuthService;
  exam: ExamRepository;
  /** The station's face-box detector; default a thread of this process, started on first use. */
  detector?: FaceDetector;
}) {
  const { students, photos, engine, audit, auth, exam } = deps;
  const detector = deps.detector ?? createFaceDetector();

  /** The session, if its centre lies in the caller's scope; otherwise "not found", like an unknown id. */
  async function sessionInScope(p: AdminPrincipal, id: number): Promise<ExamSessionListRow> {
    auth.can(p, 'examVerify');
    const s = await exam.session(id);
    if (!s || !unitContains(p.unit, { id: s.centreId, parentId: s.centreParentId })) {
      throw KaozhaoError.of('exam.session_not_found');
    }
    return s;
  }

  return {
    sessionInScope,

    /**
     * One check at the door. With a session (the station), a frame that cannot be compared is a
     * recorded 无法比对 answered 200 with its reason, so the invigilator can override it; without,
     * it answers the error code as this endpoint always did (and is recorded all the same).
     */
    async verifyFace(
      p: AdminPrincipal,
      studentNumber: string,
      live: Uint8Array,
      sessionId?: number,
    ): Promise<ExamVerifyResponse> {
      auth.can(p, 'examVerify');
      const session = sessionId === undefined ? undefined : await sessionInScope(p, sessionId);
      const student = await students.byNumber(studentNumber);
      // Outside the scope looks like "not found": a centre must not learn who studies elsewhere.
      // A session is one centre's sitting: another centre's student is not on its list either.
      if (
        !student ||
        !auth.studentInScope(p, student) ||
        (session !== undefined && student.centreId !== session.centreId)
      ) {
        throw KaozhaoError.of('student.not_found');
      }
      const photo = await photos.latestApproved(student.id);
      let reason: ExamUnableReason | null = null;
      let face: FaceDescription | null = null;
      let similarity: number | null = null;
      if (!photo?.embedding?.length) reason = 'exam.no_photo';
      else {
        // Image errors (not an image, damaged, too large) are the client's and are no check.
        face = await engine.describe(live);
        if (!face) reason = 'exam.no_face';
        else if (face.covered) reason = 'exam.face_covered';
        else similarity = round3(cosineSimilarity(face.embedding, photo.embedding));
      }
      const decision: ExamDecision = similarity === null ? 'unable' : similarity > VERIFY_THRESHOLD ? 'pass' : 'fail';
      const antiSpoof = face ? antiSpoofOf(face) : null;
      const liveFaceScore = face ? round3(face.score) : null;
      const check = await exam.insertCheck({
        sessionId: session?.id ?? null,
        studentId: student.id,
        centreId: student.centreId,
        adminId: p.admin.id,
        photoId: photo?.id ?? null,
        similarity,
        threshold: VERIFY_THRESHOLD,
        decision,
        reason,
        liveFaceScore,
        antiSpoof,
      });
      await audit.record({
        adminId: p.admin.id,
        action: 'exam.verify',
        unitId: student.centreId,
        detail: {
          match: decision === 'pass',
          similarity,
          decision,
          ...(reason ? { reason } : {}),
          checkId: check.id,
          ...(session ? { sessionId: session.id } : {}),
        },
        studentIds: [student.id],
      });
      if (reason && !session) throw KaozhaoError.of(reason);
      return {
        checkId: check.id,
        sessionId: session?.id ?? null,
        studentNumber: student.studentNumber,
        maskedName: maskName(student.name),
        decision,
        reason,
        similarity,
        threshold: VERIFY_THRESHOLD,
        match: decision === 'pass',
        photoId: photo?.id ?? null,
        photoUrl: photo ? `/api/admin/photos/${photo.id}/files/${photo.background ?? 'blue'}.jpg` : null,
        liveFaceScore,
        antiSpoof,
      };
    },

    /**
     * The face box at the station: the faces in a small live frame, largest first. Nothing is
     * stored or logged (a frame is neither a check nor a decision; the check that follows is).
     */
    async detectFaces(p: AdminPrincipal, frame: Uint8Array): Promise<ExamDetectResponse> {
      auth.can(p, 'examVerify');
      // Refused here, before a large upload is copied to the detector's thread.
      if (frame.byteLength > EXAM_DETECT_MAX_BYTES) throw KaozhaoError.of('exam.frame_too_large');
      return { faces: await detector.detect(frame) };
    },

    /** Stops the face-box thread (the server is closing). */
    closeDetector: () => detector.close(),

    async createSession(p: AdminPrincipal, req: ExamSessionCreateRequest): Promise<ExamSession> {
      auth.can(p, 'examVerify');
      const unit = await auth.unitInScope(p, req.centreId);
      if (unit.level !== 'centre') throw KaozhaoError.of('exam.session_centre_required');
      const name = cleanText(req.name, EXAM_SESSION_NAME_MAX);
      const room = cleanText(req.room, EXAM_ROOM_MAX);
      const startsAt = new Date(req.startsAt);
      if (!name || !room || Number.isNaN(startsAt.getTime())) throw KaozhaoError.of('exam.session_invalid');
      const row = await exam.createSession({ centreId: unit.id, name, room, startsAt, createdBy: p.admin.id });
      await audit.record({
        adminId: p.admin.id,
        action: 'exam.session_create',
        unitId: unit.id,
        detail: { sessionId: row.id, name, room, startsAt: startsAt.toISOString() },
      });
      return toSession((await exam.session(row.id))!);
    },

    async session(p: AdminPrincipal, id: number): Promise<ExamSession> {
      return toSession(await sessionInScope(p, id));
    },

    /** Sessions of the scope (or of one unit in it), latest first, with their counts. */
    async listSessions(p: AdminPrincipal, unitId: number | undefined, limit: number): Promise<ExamSession[]> {
      auth.can(p, 'examVerify');
      const unit = await auth.unitInScope(p, unitId);
      return (await exam.listSessions(unit, limit)).map(toSession);
    },

    async sessionChecks(p: AdminPrincipal, sessionId: number, limit: number): Promise<ExamCheck[]> {
      const s = await sessionInScope(p, sessionId);
      return (await exam.sessionChecks(s.id, limit)).map(toExamCheck);
    },

    /** A session's checks as XLSX, oldest first, names masked like everywhere in the console. */
    async exportXlsx(p: AdminPrincipal, sessionId: number): Promise<{ file: Buffer; filename: string }> {
      const s = await sessionInScope(p, sessionId);
      const raw = await exam.sessionChecks(s.id, EXAM_CHECKS_MAX);
      const checks = raw.map(toExamCheck).reverse();
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('核验记录');
      // Times in China's zone: the sheet is read by the centre that ran the sitting.
      const local = (iso: string | null) =>
        iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '';
      ws.addRow([`${s.name}（${s.room}）`, local(s.startsAt.toISOString()), `${s.centreName}（${s.centreCode}）`]);
      ws.addRow([]);
      const header = ['时间', '学号', '姓名', '比对结果', '无法比对原因', '相似度', '阈值', '防翻拍分（参考）'];
      ws.addRow([...header, '核验人', '人工核对', '核对理由', '核对人', '核对时间', '最终结果']);
      ws.getRow(3).font = { bold: true };
      for (const c of checks) {
        ws.addRow([
          local(c.at),
          c.studentNumber,
          c.maskedName,
          EXAM_DECISION_LABELS[c.decision],
          c.reason ? EXAM_UNABLE_LABELS[c.reason] : '',
          c.similarity ?? '',
          c.threshold ?? '',
          c.antiSpoof ?? '',
          c.checkedBy,
          c.override ? EXAM_OVERRIDE_LABELS[c.override] : '',
          c.overrideReason ?? '',
          c.overrideBy ?? '',
          local(c.overrideAt),
          EXAM_DECISION_LABELS[finalDecision(c)],
        ]);
      }
      for (const [i, w] of [20, 14, 10, 10, 18, 8, 8, 14, 12, 14, 30, 12, 20, 10].entries())
        ws.getColumn(i + 1).width = w;
      await audit.record({
        adminId: p.admin.id,
        action: 'exam.export',
        unitId: s.centreId,
        detail: { sessionId: s.id, rows: checks.length },
        studentIds: [...new Set(raw.map((r) => r.studentId))],
      });
      return { file: Buffer.from(await wb.xlsx.writeBuffer()), filename: `exam-session-${s.id}.xlsx` };
    },

    /** 人工核对: the invigilator's judgement replaces the comparison's; the latest override counts. */
    async override(p: AdminPrincipal, checkId: number, req: ExamOverrideRequest): Promise<ExamCheck> {
      auth.can(p, 'examVerify');
      const check = await exam.check(checkId);
      // Scoped by the centre the check was made for (kept on the row), like the session list; out
      // of scope looks like an unknown id.
      const inScope =
        check &&
        (await auth.unitInScope(p, check.centreId).then(
          () => true,
          () => false,
        ));
      if (!check || !inScope) throw KaozhaoError.of('exam.check_not_found');
      const reason = cleanText(req.reason, EXAM_OVERRIDE_REASON_MAX);
      if (!reason) throw KaozhaoError.of('exam.override_reason_required');
      await exam.setOverride(check.id, { override: req.decision, overrideReason: reason, overrideBy: p.admin.id });
      await audit.record({
        adminId: p.admin.id,
        action: 'exam.override',
        unitId: check.centreId,
        // The reason is the invigilator's free text: it may hold a name, so it stays on the check row.
        detail: { checkId: check.id, sessionId: check.sessionId, decision: check.decision, override: req.decision },
        studentIds: [check.studentId],
      });
      return toExamCheck((await exam.check(check.id))!);
    },
  };
}
export type ExamService = ReturnType<typeof createExamService>;
