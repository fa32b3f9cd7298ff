import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';
import { consents, students } from '../../db/schema.js';
import type { Scope } from './counts.repository.js';

export type Student = typeof students.$inferSelect;
export type NewStudent = typeof students.$inferInsert;

export interface UncollectedRow {
  id: number;
  studentNumber: string;
  name: string;
  idNumberMasked: string;
  centreId: number;
  phone: string | null;
  intakeSemester: string;
  status: string | null;
}

export function createStudentRepository(db: DbOrTx) {
  return {
    async byNumber(studentNumber: string): Promise<Student | undefined> {
      const [s] = await db.select().from(students).where(eq(students.studentNumber, studentNumber));
      return s;
    },
    async byId(id: number): Promise<Student | undefined> {
      const [s] = await db.select().from(students).where(eq(students.id, id));
      return s;
    },
    /** Serialises submissions of one student (double clicks, two tabs). */
    async lock(id: number): Promise<void> {
      await db.execute(sql`SELECT id FROM students WHERE id = ${id} FOR UPDATE`);
    },
    async recordConsent(id: number, version: string, ip: string | null): Promise<void> {
      const at = new Date();
      await db.insert(consents).values({ studentId: id, version, at, ip });
      await db.update(students).set({ consentVersion: version, consentAt: at }).where(eq(students.id, id));
    },
    async isExempt(campaignId: string, studentId: number): Promise<boolean> {
      const r = await rows(
        db,
        sql`SELECT 1 FROM exemptions WHERE campaign_id = ${campaignId} AND student_id = ${studentId}`,
      );
      return r.length > 0;
    },
    /** Upserts by student number; returns how many rows were inserted vs updated. */
    async upsertMany(list: NewStudent[]): Promise<{ inserted: number; updated: number; ids: number[] }> {
      if (list.length === 0) return { inserted: 0, updated: 0, ids: [] };
      const res = await db
        .insert(students)
        .values(list)
        .onConflictDoUpdate({
          target: students.studentNumber,
          set: {
            name: sql`excluded.name`,
            idNumberEnc: sql`excluded.id_number_enc`,
            idNumberHmac: sql`excluded.id_number_hmac`,
            idNumberMasked: sql`excluded.id_number_masked`,
            centreId: sql`excluded.centre_id`,
            branchId: sql`excluded.branch_id`,
            enrolmentStatus: sql`excluded.enrolment_status`,
            intakeSemester: sql`excluded.intake_semester`,
            phone: sql`excluded.phone`,
            updatedAt: sql`now()`,
          },
        })
        .returning({ id: students.id, inserted: sql<boolean>`(xmax = 0)` });
      const inserted = res.filter((r) => r.inserted).length;
      return { inserted, updated: res.length - inserted, ids: res.map((r) => r.id) };
    },
    /**
     * Enrolled students in scope with no live submission and no exemption, in id order after
     * `afterId`. One keyset page per call: students are read in id order by the scope's (unit, id)
     * index and each one's submission and exemption probed by key. The probes are LATERAL with
     * LIMIT 1 so the planner cannot turn them into a join that sorts all of the campaign's
     * submissions for every page; a page then costs the same at 4.5 million students as at 2,000
     * (measured: ≈ 200 ms per 5,000 rows HQ-wide, against ≈ 490 ms for candidate batches filtered
     * in the application).
     */
    async uncollectedPage(campaignId: string, scope: Scope, afterId: number, limit: number): Promise<UncollectedRow[]> {
      const unit =
        scope.centreId !== undefined
          ? sql`AND s.centre_id = ${scope.centreId}`
          : scope.branchId !== undefined
            ? sql`AND s.branch_id = ${scope.branchId}`
            : sql``;
      return rows<UncollectedRow>(
        db,
        sql`SELECT s.id::int AS id, s.student_number AS "studentNumber", s.name,
                   s.id_number_masked AS "idNumberMasked", s.centre_id AS "centreId", s.phone,
                   s.intake_semester AS "intakeSemester", sub.status
            FROM students s
            LEFT JOIN LATERAL (SELECT x.status FROM submissions x
                               WHERE x.campaign_id = ${campaignId} AND x.student_id = s.id LIMIT 1) sub ON true
            LEFT JOIN LATERAL (SELECT 1 AS hit FROM exemptions e
                               WHERE e.campaign_id = ${campaignId} AND e.student_id = s.id LIMIT 1) ex ON true
            WHERE s.id > ${afterId} ${unit} AND s.enrolment_status = 'enrolled'
              AND (sub.status IS NULL OR sub.status = 'rejected') AND ex.hit IS NULL
            ORDER BY s.id LIMIT ${limit}`,
      );
    },
  };
}
export type StudentRepository = ReturnType<typeof createStudentRepository>;
