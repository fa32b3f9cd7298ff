// Erasing one student (PIPL: a face is sensitive personal information). The student row is deleted,
// not blanked: its number, name and centre are personal data too, nothing else needs the row (photos
// and consents go with it; submissions, exemptions and counters are corrected here), and a blanked
// row would still count as enrolled and keep the number signing in. What stays is anonymous: exam
// checks and earlier audit entries keep a bare student id that no longer resolves to anyone.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rows } from '../../db/client.js';
import type { IdCipher } from '../../db/crypto.js';
import type { StudentEraseResponse } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import { chinaDay } from '../repositories/counts.repository.js';
import type { FaceIndexRepository } from '../repositories/face-index.repository.js';
import type { StorageRepository } from '../repositories/storage.repository.js';
import type { StudentRepository } from '../repositories/student.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';

interface SubmissionRow {
  campaignId: string;
  centreId: number;
  status: 'needs_review' | 'approved' | 'rejected';
  submittedAt: Date;
  reviewedAt: Date | null;
}

export function createErasureService(deps: {
  db: Db;
  students: StudentRepository;
  faceIndex: FaceIndexRepository;
  storage: StorageRepository;
  auth: AdminAuthService;
  cipher: IdCipher;
}) {
  const { db, auth } = deps;
  return {
    async erase(p: AdminPrincipal, studentNumber: string, confirm: string): Promise<StudentEraseResponse> {
      auth.can(p, 'eraseStudents');
      const number = studentNumber.trim();
      // Checked before the lookup, so a wrong confirmation says nothing about who exists.
      if (confirm.trim() !== number) throw KaozhaoError.of('student.erase_confirm');
      const found = await deps.students.byNumber(number);
      if (!found || !auth.studentInScope(p, found)) throw KaozhaoError.of('student.not_found');

      const done = await db.transaction(async (tx) => {
        // The row lock makes a concurrent upload or submit wait, then fail on the missing student.
        const [s] = await rows<{ id: number; centreId: number; enrolled: boolean }>(
          tx,
          sql`SELECT id::int AS id, centre_id AS "centreId", enrolment_status = 'enrolled' AS enrolled
              FROM students WHERE id = ${found.id} FOR UPDATE`,
        );
        if (!s) throw KaozhaoError.of('student.not_found');

        // Counters first, while the rows they count are still there (mirrors counts.refresh()).
        const subs = await rows<SubmissionRow>(
          tx,
          sql`SELECT campaign_id AS "campaignId", centre_id AS "centreId", status,
                     submitted_at AS "submittedAt", reviewed_at AS "reviewedAt"
              FROM submissions WHERE student_id = ${s.id}`,
        );
        for (const sub of subs) {
          const col = sql.raw(sub.status);
          await tx.execute(sql`UPDATE centre_counts SET ${col} = greatest(0, ${col} - 1)
                               WHERE campaign_id = ${sub.campaignId} AND centre_id = ${sub.centreId}`);
          // The daily report's events of the current submission: its submit day, and its decision day.
          await tx.execute(sql`UPDATE daily_counts SET submitted = greatest(0, submitted - 1)
                               WHERE campaign_id = ${sub.campaignId} AND centre_id = ${sub.centreId}
                                 AND day = ${chinaDay(new Date(sub.submittedAt))}`);
          if (sub.status !== 'needs_review') {
            const decided = chinaDay(new Date(sub.reviewedAt ?? sub.submittedAt));
            await tx.execute(sql`UPDATE daily_counts SET ${col} = greatest(0, ${col} - 1)
                                 WHERE campaign_id = ${sub.campaignId} AND centre_id = ${sub.centreId}
                                   AND day = ${decided}`);
          }
        }
        if (s.enrolled) {
          await tx.execute(sql`UPDATE centre_counts SET exempt = greatest(0, exempt - 1)
                               WHERE centre_id = ${s.centreId}
                                 AND campaign_id IN (SELECT campaign_id FROM exemptions WHERE student_id = ${s.id})`);
          await tx.execute(sql`UPDATE centre_counts SET enrolled = greatest(0, enrolled - 1)
                               WHERE centre_id = ${s.centreId}`);
        }

        const photos = await rows<{ id: string }>(tx, sql`SELECT id FROM photos WHERE student_id = ${s.id}`);
        // Explicit although the foreign key cascades: the index may be rebuilt without it.
        for (const ph of photos) await deps.faceIndex.remove(tx, ph.id);
        await tx.execute(sql`DELETE FROM exemptions WHERE student_id = ${s.id}`);
        await tx.execute(sql`DELETE FROM submissions WHERE student_id = ${s.id}`);
        await tx.execute(sql`DELETE FROM photos WHERE student_id = ${s.id}`);
        const consents = await rows<{ n: number }>(
          tx,
          sql`WITH d AS (DELETE FROM consents WHERE student_id = ${s.id} RETURNING 1) SELECT count(*)::int AS n FROM d`,
        );
        const sessions = await rows<{ n: number }>(
          tx,
          sql`WITH d AS (DELETE FROM sessions WHERE kind = 'student' AND subject_id = ${s.id} RETURNING 1)
              SELECT count(*)::int AS n FROM d`,
        );
        // Verify-attempt counters: keyed by the student id, and per address (an IP is personal data).
        await tx.execute(sql`DELETE FROM rate_counters WHERE key = ${`vf:${s.id}`} OR key LIKE ${`vfa:${s.id}@%`}`);
        // Reminders hold the name, the address and the message: they go with the student.
        await tx.execute(sql`DELETE FROM reminder_deliveries WHERE student_id = ${s.id}`);
        await tx.execute(sql`DELETE FROM reminder_state WHERE student_id = ${s.id}`);
        await tx.execute(sql`DELETE FROM students WHERE id = ${s.id}`);
        const removed = { submissions: subs.length, consents: consents[0]?.n ?? 0, sessions: sessions[0]?.n ?? 0 };
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'student.erase',
          unitId: s.centreId,
          // The pseudonym lets a later request about the same number be matched to this entry
          // by someone holding the secret, without the log itself naming anyone.
          detail: { subject: deps.cipher.pseudonym(number), photos: photos.length, ...removed },
          studentCount: 1,
        });
        return { ids: photos.map((ph) => ph.id), removed };
      });

      // Files after the commit: a rollback must not leave rows pointing at deleted files. A file
      // left by a failure here belongs to no row and to nobody identifiable.
      for (const id of done.ids) await deps.storage.deletePrefix(id);
      return { erased: true, photos: done.ids.length, ...done.removed };
    },
  };
}
export type ErasureService = ReturnType<typeof createErasureService>;
