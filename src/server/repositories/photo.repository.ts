import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';
import { photos, submissions } from '../../db/schema.js';
import type { Scope, SubmissionStatus } from './counts.repository.js';

export type Photo = typeof photos.$inferSelect;
export type NewPhoto = typeof photos.$inferInsert;
export type Submission = typeof submissions.$inferSelect;

export interface ReviewRow {
  photoId: string;
  studentId: number;
  studentNumber: string;
  name: string;
  centreId: number;
  submittedAt: Date;
  background: string | null;
  report: unknown;
}

export function createPhotoRepository(db: DbOrTx) {
  return {
    async create(p: NewPhoto): Promise<Photo> {
      const [row] = await db.insert(photos).values(p).returning();
      return row!;
    },
    async byId(id: string): Promise<Photo | undefined> {
      const [row] = await db.select().from(photos).where(eq(photos.id, id));
      return row;
    },
    /** The student's most recent approved photo in any campaign (an exemption's photo included). */
    async latestApproved(studentId: number): Promise<Photo | undefined> {
      const [row] = await db
        .select({ p: photos })
        .from(submissions)
        .innerJoin(photos, eq(photos.id, submissions.photoId))
        .where(and(eq(submissions.studentId, studentId), eq(submissions.status, 'approved')))
        .orderBy(desc(submissions.submittedAt))
        .limit(1);
      return row?.p;
    },
    async byIdForUpdate(id: string): Promise<Photo | undefined> {
      const [row] = await db.select().from(photos).where(eq(photos.id, id)).for('update');
      return row;
    },
    async listByStudent(studentId: number): Promise<Photo[]> {
      return db.select().from(photos).where(eq(photos.studentId, studentId)).orderBy(desc(photos.createdAt));
    },
    async update(id: string, set: Partial<NewPhoto>): Promise<void> {
      await db.update(photos).set(set).where(eq(photos.id, id));
    },
    /** Completes a job once: only a photo still processing changes, so a retried job is harmless. */
    async completeIfProcessing(id: string, set: Partial<NewPhoto>): Promise<boolean> {
      const res = await db
        .update(photos)
        .set(set)
        .where(and(eq(photos.id, id), eq(photos.status, 'processing')))
        .returning({ id: photos.id });
      return res.length > 0;
    },
    /**
     * What an upload is admitted against: the student's photos still processing that were created
     * within `holdMs`, those created within `windowMs`, and the milliseconds until the oldest of
     * the latter leaves the window. Database time, the clock that stamped created_at.
     */
    async uploadLoad(
      studentId: number,
      windowMs: number,
      holdMs: number,
    ): Promise<{ processing: number; recent: number; retryAfterMs: number }> {
      const win = sql`${windowMs} * interval '1 millisecond'`;
      const hold = sql`${holdMs} * interval '1 millisecond'`;
      const [r] = await rows<{ processing: number; recent: number; retryAfterMs: number }>(
        db,
        sql`SELECT count(*) FILTER (WHERE status = 'processing' AND created_at > now() - ${hold})::int AS processing,
                   count(*) FILTER (WHERE created_at > now() - ${win})::int AS recent,
                   coalesce(extract(epoch FROM min(created_at) FILTER (WHERE created_at > now() - ${win})
                                              + ${win} - now()) * 1000, 0)::float8 AS "retryAfterMs"
            FROM photos
            WHERE student_id = ${studentId} AND created_at > now() - greatest(${win}, ${hold})`,
      );
      return {
        processing: r?.processing ?? 0,
        recent: r?.recent ?? 0,
        retryAfterMs: Number(r?.retryAfterMs ?? 0),
      };
    },
    async stuckProcessing(): Promise<string[]> {
      const r = await rows<{ id: string }>(db, sql`SELECT id FROM photos WHERE status = 'processing'`);
      return r.map((x) => x.id);
    },
    /** Photos waiting to be made or being made, every process's: the queue depth (partial index). */
    async processingCount(): Promise<number> {
      const [r] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM photos WHERE status = 'processing'`);
      return r?.n ?? 0;
    },
    async submission(campaignId: string, studentId: number): Promise<Submission | undefined> {
      const [row] = await db
        .select()
        .from(submissions)
        .where(and(eq(submissions.campaignId, campaignId), eq(submissions.studentId, studentId)));
      return row;
    },
    async upsertSubmission(s: typeof submissions.$inferInsert): Promise<void> {
      await db
        .insert(submissions)
        .values(s)
        .onConflictDoUpdate({
          target: [submissions.campaignId, submissions.studentId],
          set: { photoId: s.photoId, status: s.status, submittedAt: s.submittedAt, reviewedAt: s.reviewedAt ?? null },
        });
    },
    async setSubmissionStatus(campaignId: string, studentId: number, status: SubmissionStatus): Promise<void> {
      await db
        .update(submissions)
        .set({ status, reviewedAt: new Date() })
        .where(and(eq(submissions.campaignId, campaignId), eq(submissions.studentId, studentId)));
    },
    async reviewQueue(campaignId: string, scope: Scope, limit: number, offset: number): Promise<ReviewRow[]> {
      const unit =
        scope.centreId !== undefined
          ? sql`AND sub.centre_id = ${scope.centreId}`
          : scope.branchId !== undefined
            ? sql`AND sub.branch_id = ${scope.branchId}`
            : sql``;
      return rows<ReviewRow>(
        db,
        sql`SELECT p.id AS "photoId", s.id::int AS "studentId", s.student_number AS "studentNumber", s.name,
                   s.centre_id AS "centreId", sub.submitted_at AS "submittedAt", p.background, p.report
            FROM submissions sub
            JOIN photos p ON p.id = sub.photo_id
            JOIN students s ON s.id = sub.student_id
            WHERE sub.campaign_id = ${campaignId} AND sub.status = 'needs_review' ${unit}
            ORDER BY sub.submitted_at LIMIT ${limit} OFFSET ${offset}`,
      );
    },
    /** Approved submissions in scope, keyset-paged by student id, for the zip export. */
    async approvedPage(
      campaignId: string,
      scope: Scope,
      afterStudentId: number,
      limit: number,
    ): Promise<{ studentId: number; studentNumber: string; photoId: string; background: string | null }[]> {
      const unit =
        scope.centreId !== undefined
          ? sql`AND sub.centre_id = ${scope.centreId}`
          : scope.branchId !== undefined
            ? sql`AND sub.branch_id = ${scope.branchId}`
            : sql``;
      return rows(
        db,
        sql`SELECT sub.student_id::int AS "studentId", s.student_number AS "studentNumber",
                   sub.photo_id AS "photoId", p.background
            FROM submissions sub
            JOIN students s ON s.id = sub.student_id
            JOIN photos p ON p.id = sub.photo_id
            WHERE sub.campaign_id = ${campaignId} AND sub.status = 'approved'
              AND sub.student_id > ${afterStudentId} ${unit}
            ORDER BY sub.student_id LIMIT ${limit}`,
      );
    },
  };
}
export type PhotoRepository = ReturnType<typeof createPhotoRepository>;
