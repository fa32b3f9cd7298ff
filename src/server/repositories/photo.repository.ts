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
    /**
     * Up to `limit` photos still processing that were created more than `graceSeconds` ago
     * (database time), oldest first, with the tries their jobs have started: what the orphaned-photo
     * sweep checks against the queue.
     */
    async processingOlderThan(graceSeconds: number, limit: number): Promise<{ id: string; attempts: number }[]> {
      return rows<{ id: string; attempts: number }>(
        db,
        sql`SELECT id, attempts FROM photos
            WHERE status = 'processing' AND created_at < now() - ${graceSeconds} * interval '1 second'
            ORDER BY created_at LIMIT ${limit}`,
      );
    },
    /** Photos waiting to be made or being made, every process's: the queue depth (partial index). */
    async processingCount(): Promise<number> {
      const [r] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM photos WHERE status = 'processing'`);
      return r?.n ?? 0;
    },
    /**
     * Retention: up to `limit` attempts created before `before` in a state nothing needs (rejected,
     * failed, never submitted, or stuck in processing far past any job's end), keyset-paged by id so
     * one sweep reads the table once. `referenced`: a submission or exemption still points at it (a
     * current rejected submission), so its row must stay for the foreign key and the counters. Such
     * a row whose files are already gone has hasFiles false (nothing to do). Row-locked, skipping rows another
     * transaction holds (a submit in progress): call inside a transaction; the next sweep retries.
     */
    async lockExpiredAttempts(
      before: Date,
      afterId: string,
      limit: number,
    ): Promise<{ id: string; status: string; referenced: boolean; hasFiles: boolean }[]> {
      return rows(
        db,
        sql`WITH c AS (
              SELECT p.id, p.status,
                     EXISTS (SELECT 1 FROM submissions s WHERE s.photo_id = p.id)
                       OR EXISTS (SELECT 1 FROM exemptions e WHERE e.photo_id = p.id) AS referenced,
                     coalesce(cardinality(p.backgrounds), 0) > 0 OR p.has_cutout OR p.embedding IS NOT NULL AS "hasFiles"
              FROM photos p
              WHERE p.id > ${afterId}::uuid AND p.created_at < ${before.toISOString()}::timestamptz
                AND p.status IN ('processing', 'ready', 'failed', 'rejected')
              ORDER BY p.id LIMIT ${limit}
              FOR UPDATE OF p SKIP LOCKED)
            SELECT id, status, referenced, "hasFiles" FROM c`,
      );
    },
    async deleteMany(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await db.execute(
        sql`DELETE FROM photos WHERE id IN (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
      );
    },
    /** The row stays (see lockExpiredAttempts) but names no file and holds no face description. */
    async clearFiles(ids: string[]): Promise<void> {
      if (ids.length === 0) return;
      await db
        .update(photos)
        .set({ backgrounds: [], hasCutout: false, embedding: null })
        .where(
          sql`${photos.id} IN (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
        );
    },
    /** Ids of photos created in [from, before), keyset-paged by id (from null: from the start). */
    async createdBetween(from: Date | null, before: Date, afterId: string, limit: number): Promise<string[]> {
      const r = await rows<{ id: string }>(
        db,
        sql`SELECT id FROM photos
            WHERE id > ${afterId}::uuid AND created_at < ${before.toISOString()}::timestamptz
              ${from ? sql`AND created_at >= ${from.toISOString()}::timestamptz` : sql``}
            ORDER BY id LIMIT ${limit}`,
      );
      return r.map((x) => x.id);
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
