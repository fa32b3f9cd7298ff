// Progress counters. Incremental changes run inside the transaction that changes a submission, so
// counts and statuses cannot drift; refresh() recomputes them (after imports, at campaign start).
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';

export type SubmissionStatus = 'needs_review' | 'approved' | 'rejected';

const COLUMN: Record<SubmissionStatus, string> = {
  needs_review: 'needs_review',
  approved: 'approved',
  rejected: 'rejected',
};

export interface CentreCountRow {
  centreId: number;
  branchId: number;
  enrolled: number;
  exempt: number;
  needsReview: number;
  approved: number;
  rejected: number;
}

export interface DailyRow {
  day: string;
  centreId: number;
  branchId: number;
  submitted: number;
  approved: number;
  rejected: number;
}

/** Calendar day in China (UTC+8, no daylight saving), which is what "daily" means to the users. */
export function chinaDay(at: Date = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export interface Scope {
  branchId?: number;
  centreId?: number;
}

function scopeSql(scope: Scope) {
  if (scope.centreId !== undefined) return sql`AND centre_id = ${scope.centreId}`;
  if (scope.branchId !== undefined) return sql`AND branch_id = ${scope.branchId}`;
  return sql``;
}

export function createCountsRepository(db: DbOrTx) {
  return {
    async transition(p: {
      campaignId: string;
      centreId: number;
      branchId: number;
      from: SubmissionStatus | null;
      to: SubmissionStatus;
      submittedNow: boolean;
      at?: Date;
    }): Promise<void> {
      const dec = p.from ? sql.raw(`, ${COLUMN[p.from]} = centre_counts.${COLUMN[p.from]} - 1`) : sql``;
      const col = sql.raw(COLUMN[p.to]);
      await db.execute(sql`
        INSERT INTO centre_counts (campaign_id, centre_id, branch_id, ${col})
        VALUES (${p.campaignId}, ${p.centreId}, ${p.branchId}, 1)
        ON CONFLICT (campaign_id, centre_id)
        DO UPDATE SET ${col} = centre_counts.${col} + 1 ${dec}`);
      const submitted = p.submittedNow ? 1 : 0;
      const approved = p.to === 'approved' ? 1 : 0;
      const rejected = p.to === 'rejected' ? 1 : 0;
      await db.execute(sql`
        INSERT INTO daily_counts (campaign_id, centre_id, branch_id, day, submitted, approved, rejected)
        VALUES (${p.campaignId}, ${p.centreId}, ${p.branchId}, ${chinaDay(p.at)}, ${submitted}, ${approved}, ${rejected})
        ON CONFLICT (campaign_id, day, centre_id) DO UPDATE SET
          submitted = daily_counts.submitted + excluded.submitted,
          approved = daily_counts.approved + excluded.approved,
          rejected = daily_counts.rejected + excluded.rejected`);
    },

    /** Recomputes exemptions and every centre's counters of a campaign from the source tables. */
    async refresh(campaignId: string): Promise<void> {
      await db.execute(sql`DELETE FROM exemptions WHERE campaign_id = ${campaignId}`);
      await db.execute(sql`
        INSERT INTO exemptions (campaign_id, student_id, photo_id)
        SELECT DISTINCT ON (s.student_id) c.id, s.student_id, s.photo_id
        FROM campaigns c
        JOIN campaigns pc ON pc.semester_index < c.semester_index
          AND pc.semester_index >= c.semester_index - c.exemption_semesters
        JOIN submissions s ON s.campaign_id = pc.id AND s.status = 'approved'
        WHERE c.id = ${campaignId}
        ORDER BY s.student_id, s.submitted_at DESC`);
      await db.execute(sql`
        INSERT INTO centre_counts (campaign_id, centre_id, branch_id, enrolled, exempt, needs_review, approved, rejected)
        SELECT ${campaignId}::uuid, u.id, u.parent_id, coalesce(e.n, 0), coalesce(x.n, 0),
               coalesce(s.needs_review, 0), coalesce(s.approved, 0), coalesce(s.rejected, 0)
        FROM org_units u
        LEFT JOIN (SELECT centre_id, count(*)::int AS n FROM students
                   WHERE enrolment_status = 'enrolled' GROUP BY centre_id) e ON e.centre_id = u.id
        LEFT JOIN (SELECT st.centre_id, count(*)::int AS n FROM exemptions x
                   JOIN students st ON st.id = x.student_id AND st.enrolment_status = 'enrolled'
                   WHERE x.campaign_id = ${campaignId} GROUP BY st.centre_id) x ON x.centre_id = u.id
        LEFT JOIN (SELECT centre_id,
                          count(*) FILTER (WHERE status = 'needs_review')::int AS needs_review,
                          count(*) FILTER (WHERE status = 'approved')::int AS approved,
                          count(*) FILTER (WHERE status = 'rejected')::int AS rejected
                   FROM submissions WHERE campaign_id = ${campaignId} GROUP BY centre_id) s ON s.centre_id = u.id
        WHERE u.level = 'centre'
        ON CONFLICT (campaign_id, centre_id) DO UPDATE SET
          branch_id = excluded.branch_id, enrolled = excluded.enrolled, exempt = excluded.exempt,
          needs_review = excluded.needs_review, approved = excluded.approved, rejected = excluded.rejected`);
    },

    async centres(campaignId: string, scope: Scope): Promise<CentreCountRow[]> {
      return rows<CentreCountRow>(
        db,
        sql`SELECT centre_id AS "centreId", branch_id AS "branchId", enrolled, exempt,
                   needs_review AS "needsReview", approved, rejected
            FROM centre_counts WHERE campaign_id = ${campaignId} ${scopeSql(scope)}`,
      );
    },

    async daily(campaignId: string, scope: Scope, from?: string, to?: string): Promise<DailyRow[]> {
      const range = sql`${from ? sql`AND day >= ${from}` : sql``} ${to ? sql`AND day <= ${to}` : sql``}`;
      return rows<DailyRow>(
        db,
        sql`SELECT to_char(day, 'YYYY-MM-DD') AS day, centre_id AS "centreId", branch_id AS "branchId",
                   submitted, approved, rejected
            FROM daily_counts WHERE campaign_id = ${campaignId} ${scopeSql(scope)} ${range}
            ORDER BY day`,
      );
    },
  };
}
export type CountsRepository = ReturnType<typeof createCountsRepository>;
