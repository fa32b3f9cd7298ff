// Exam sessions and the checks of the 考场核验 station. Scoping is by the session's centre and, for
// checks, the student's centre at the time of the check (kept on the row: a later move of the
// student does not hand the record to the new centre).
import { aliasedTable, desc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.js';
import { admins, examChecks, examSessions, orgUnits, students } from '../../db/schema.js';
import type { ExamSessionCounts } from '../../domain/exam.js';
import { inSubtree, type OrgUnit } from './org.repository.js';

export type ExamSessionRow = typeof examSessions.$inferSelect;
export type ExamCheckRow = typeof examChecks.$inferSelect;

export interface ExamSessionListRow extends ExamSessionRow {
  centreName: string;
  centreCode: string;
  centreParentId: number | null;
  counts: ExamSessionCounts;
}

/** A check with the names the list and the export show (the student's full name: masked by the service). */
export interface ExamCheckListRow extends ExamCheckRow {
  studentNumber: string;
  studentName: string;
  checkedBy: string;
  overrideByName: string | null;
}

const overrider = aliasedTable(admins, 'overrider');

// Final outcome = the override when there is one: counted in SQL so the list is one query.
const counts = {
  checked: sql<number>`count(${examChecks.id})::int`,
  students: sql<number>`count(DISTINCT ${examChecks.studentId})::int`,
  passed: sql<number>`count(*) FILTER (WHERE coalesce(${examChecks.override}, ${examChecks.decision}) = 'pass')::int`,
  failed: sql<number>`count(*) FILTER (WHERE coalesce(${examChecks.override}, ${examChecks.decision}) = 'fail')::int`,
  unable: sql<number>`count(*) FILTER (WHERE coalesce(${examChecks.override}, ${examChecks.decision}) = 'unable')::int`,
  overridden: sql<number>`count(${examChecks.override})::int`,
};

export function createExamRepository(db: DbOrTx) {
  async function sessions(where: SQL | undefined, limit: number): Promise<ExamSessionListRow[]> {
    const list = await db
      .select({
        session: examSessions,
        centreName: orgUnits.name,
        centreCode: orgUnits.code,
        centreParentId: orgUnits.parentId,
      })
      .from(examSessions)
      .innerJoin(orgUnits, eq(orgUnits.id, examSessions.centreId))
      .where(where)
      .orderBy(desc(examSessions.startsAt), desc(examSessions.id))
      .limit(limit);
    if (list.length === 0) return [];
    const ids = list.map((r) => r.session.id);
    const tallies = await db
      .select({ sessionId: examChecks.sessionId, ...counts })
      .from(examChecks)
      .where(inArray(examChecks.sessionId, ids))
      .groupBy(examChecks.sessionId);
    const zero: ExamSessionCounts = { checked: 0, students: 0, passed: 0, failed: 0, unable: 0, overridden: 0 };
    const bySession = new Map(tallies.map(({ sessionId, ...c }) => [sessionId, c]));
    return list.map((r) => ({
      ...r.session,
      centreName: r.centreName,
      centreCode: r.centreCode,
      centreParentId: r.centreParentId,
      counts: bySession.get(r.session.id) ?? zero,
    }));
  }

  return {
    async createSession(values: typeof examSessions.$inferInsert): Promise<ExamSessionRow> {
      const [row] = await db.insert(examSessions).values(values).returning();
      return row!;
    },
    async session(id: number): Promise<ExamSessionListRow | undefined> {
      const [row] = await sessions(eq(examSessions.id, id), 1);
      return row;
    },
    /** Sessions whose centre lies in `unit`'s subtree, latest start first. */
    listSessions(unit: Pick<OrgUnit, 'id' | 'level'>, limit: number): Promise<ExamSessionListRow[]> {
      return sessions(inSubtree(examSessions.centreId, unit), limit);
    },
    async insertCheck(values: typeof examChecks.$inferInsert): Promise<ExamCheckRow> {
      const [row] = await db.insert(examChecks).values(values).returning();
      return row!;
    },
    async check(id: number): Promise<ExamCheckListRow | undefined> {
      const [row] = await checks(eq(examChecks.id, id), 1);
      return row;
    },
    /** A session's checks, newest first. */
    sessionChecks(sessionId: number, limit: number): Promise<ExamCheckListRow[]> {
      return checks(eq(examChecks.sessionId, sessionId), limit);
    },
    async setOverride(
      id: number,
      o: { override: 'pass' | 'fail'; overrideReason: string; overrideBy: number },
    ): Promise<void> {
      await db
        .update(examChecks)
        .set({ ...o, overrideAt: new Date() })
        .where(eq(examChecks.id, id));
    },
  };

  async function checks(where: SQL | undefined, limit: number): Promise<ExamCheckListRow[]> {
    const list = await db
      .select({
        ...getTableColumns(examChecks),
        studentNumber: students.studentNumber,
        studentName: students.name,
        checkedBy: admins.displayName,
        overrideByName: overrider.displayName,
      })
      .from(examChecks)
      .innerJoin(students, eq(students.id, examChecks.studentId))
      .innerJoin(admins, eq(admins.id, examChecks.adminId))
      .leftJoin(overrider, eq(overrider.id, examChecks.overrideBy))
      .where(where)
      .orderBy(desc(examChecks.at), desc(examChecks.id))
      .limit(limit);
    return list;
  }
}
export type ExamRepository = ReturnType<typeof createExamRepository>;
