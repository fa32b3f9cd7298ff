import type { Db } from '../../db/client.js';
import type { ReviewDecisionResponse, ReviewItem } from '../../domain/admin-api.js';
import type { CheckResult } from '../../domain/checks.js';
import { KaozhaoError } from '../../domain/errors.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import { createCountsRepository } from '../repositories/counts.repository.js';
import type { FaceIndexRepository } from '../repositories/face-index.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import { createPhotoRepository, type PhotoRepository } from '../repositories/photo.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import { createStudentRepository } from '../repositories/student.repository.js';
import { type AdminAuthService, type AdminPrincipal, scopeOf } from './admin-auth.service.js';

export function createReviewService(deps: {
  db: Db;
  photos: PhotoRepository;
  units: OrgRepository;
  auth: AdminAuthService;
  faceIndex: FaceIndexRepository;
  students: StudentRepository;
}) {
  const { db, photos, units, auth } = deps;
  return {
    async queue(campaignId: string, unit: OrgUnit, limit: number, offset: number): Promise<ReviewItem[]> {
      const rows = await photos.reviewQueue(campaignId, scopeOf(unit), limit, offset);
      const names = new Map((await units.all()).map((u) => [u.id, u.name]));
      const scope = scopeOf(unit);
      /** The other student behind an identity.duplicate warning (looked up again: it may have changed). */
      const twinOf = async (r: (typeof rows)[number]): Promise<ReviewItem['duplicateOf']> => {
        if (!((r.report ?? []) as CheckResult[]).some((c) => c.id === 'identity.duplicate')) return undefined;
        const embedding = (await photos.byId(r.photoId))?.embedding;
        const [m] = embedding ? await deps.faceIndex.nearest(embedding, r.studentId, 1) : [];
        const twin = m ? await deps.students.byId(m.studentId) : undefined;
        if (!m || !twin) return undefined;
        const visible =
          scope.centreId !== undefined
            ? twin.centreId === scope.centreId
            : scope.branchId === undefined || twin.branchId === scope.branchId;
        const similarity = Math.round(m.similarity * 1000) / 1000;
        // Someone outside the reviewer's scope: that a duplicate exists is needed for the decision,
        // who it is (number, centre, photo) is not the reviewer's to see.
        if (!visible) return { studentNumber: null, centreName: null, similarity, photoUrl: null };
        return {
          studentNumber: twin.studentNumber,
          centreName: names.get(twin.centreId) ?? '',
          similarity,
          photoUrl: `/api/admin/photos/${m.photoId}/files/${(await photos.byId(m.photoId))?.background ?? 'blue'}.jpg`,
        };
      };
      const twins = await Promise.all(rows.map(twinOf));
      return rows.map((r, i) => ({
        ...(twins[i] ? { duplicateOf: twins[i] } : {}),
        photoId: r.photoId,
        studentNumber: r.studentNumber,
        name: r.name,
        centreId: r.centreId,
        centreName: names.get(r.centreId) ?? '',
        submittedAt: new Date(r.submittedAt).toISOString(),
        background: r.background,
        photoUrl: `/api/admin/photos/${r.photoId}/files/${r.background ?? 'blue'}.jpg`,
        report: (r.report ?? []) as CheckResult[],
      }));
    },

    async decide(
      p: AdminPrincipal,
      photoId: string,
      decision: 'approve' | 'reject',
      reason: string | undefined,
    ): Promise<ReviewDecisionResponse> {
      const trimmed = reason?.trim();
      if (decision === 'reject' && !trimmed) throw KaozhaoError.of('photo.reason_required');
      return db.transaction(async (tx) => {
        const txPhotos = createPhotoRepository(tx);
        const photo = /^[0-9a-f-]{36}$/i.test(photoId) ? await txPhotos.byIdForUpdate(photoId) : undefined;
        const student = photo ? await createStudentRepository(tx).byId(photo.studentId) : undefined;
        if (!photo || !student || !auth.studentInScope(p, student)) throw KaozhaoError.of('photo.not_found');
        if (photo.status !== 'needs_review') throw KaozhaoError.of('photo.not_pending_review');
        const status = decision === 'approve' ? 'approved' : 'rejected';
        const now = new Date();
        await txPhotos.update(photo.id, {
          status,
          reviewerId: p.admin.id,
          reason: status === 'rejected' ? trimmed! : null,
          reviewedAt: now,
        });
        await txPhotos.setSubmissionStatus(photo.campaignId, student.id, status);
        // A rejected photo is no longer anyone's collected face.
        if (status === 'rejected') await deps.faceIndex.remove(tx, photo.id);
        await createCountsRepository(tx).transition({
          campaignId: photo.campaignId,
          centreId: student.centreId,
          branchId: student.branchId,
          from: 'needs_review',
          to: status,
          submittedNow: false,
          at: now,
        });
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: `review.${decision}`,
          unitId: student.centreId,
          detail: { photoId: photo.id },
          studentIds: [student.id],
        });
        return { photoId: photo.id, status };
      });
    },

    /** Admin view of a photo file, if the student is in scope. */
    async assertPhotoVisible(p: AdminPrincipal, photoId: string): Promise<void> {
      const photo = /^[0-9a-f-]{36}$/i.test(photoId) ? await photos.byId(photoId) : undefined;
      const student = photo ? await createStudentRepository(db).byId(photo.studentId) : undefined;
      if (!photo || !student || !auth.studentInScope(p, student)) throw KaozhaoError.of('photo.not_found');
    },
  };
}
export type ReviewService = ReturnType<typeof createReviewService>;
