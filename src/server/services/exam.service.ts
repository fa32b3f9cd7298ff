// Exam entry: the face at the exam-room door compared 1:1 with the student's collected photo.
// The live frame is described by the same engine (verify.ts describeFace) that stored the photo's
// description, so the two are comparable; the frame itself is not kept.
import type { ExamVerifyResponse } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { cosineSimilarity, VERIFY_THRESHOLD } from '../../photo/similarity.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { PhotoRepository } from '../repositories/photo.repository.js';
import type { PhotoEngineRepository } from '../repositories/photo-engine.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';
import { maskName } from './id-number.js';

export function createExamService(deps: {
  students: StudentRepository;
  photos: PhotoRepository;
  engine: PhotoEngineRepository;
  audit: AuditRepository;
  auth: AdminAuthService;
}) {
  const { students, photos, engine, audit, auth } = deps;
  return {
    async verifyFace(p: AdminPrincipal, studentNumber: string, live: Uint8Array): Promise<ExamVerifyResponse> {
      auth.can(p, 'examVerify');
      const student = await students.byNumber(studentNumber);
      // Outside the scope looks like "not found": a centre must not learn who studies elsewhere.
      if (!student || !auth.studentInScope(p, student)) throw KaozhaoError.of('student.not_found');
      const photo = await photos.latestApproved(student.id);
      if (!photo?.embedding?.length) throw KaozhaoError.of('exam.no_photo');
      const face = await engine.describe(live);
      if (!face) throw KaozhaoError.of('exam.no_face');
      if (face.covered) throw KaozhaoError.of('exam.face_covered');
      const similarity = Math.round(cosineSimilarity(face.embedding, photo.embedding) * 1000) / 1000;
      const match = similarity > VERIFY_THRESHOLD;
      await audit.record({
        adminId: p.admin.id,
        action: 'exam.verify',
        unitId: student.centreId,
        detail: { match, similarity },
        studentIds: [student.id],
      });
      return {
        studentNumber: student.studentNumber,
        maskedName: maskName(student.name),
        similarity,
        threshold: VERIFY_THRESHOLD,
        match,
        photoId: photo.id,
        liveFaceScore: Math.round(face.score * 1000) / 1000,
      };
    },
  };
}
export type ExamService = ReturnType<typeof createExamService>;
