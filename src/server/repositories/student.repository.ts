import { eq, inArray, sql } from 'drizzle-orm';
import pg from 'pg';
import type { DbOrTx } from '../../db/client.js';
import { rows } from '../../db/client.js';
import { consents, students } from '../../db/schema.js';
import type { Scope } from './counts.repository.js';

export type Student = typeof students.$inferSelect;
export type NewStudent = typeof students.$inferInsert;

/** Where a student sits in the tree: what scope checks read. */
export interface Placement {
  id: number;
  studentNumber: string;
  centreId: number;
  branchId: number;
}

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

/** The columns of uncollectedCopy's lines, in order. */
export const UNCOLLECTED_COPY_COLUMNS = [
  'student_number',
  'name',
  'id_number_masked',
  'centre_id',
  'intake_semester',
  'phone',
  'status',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Bytes of COPY output gathered into one block; and the most kept before the socket is paused. */
const COPY_BLOCK = 1 << 20;
const COPY_HIGH_WATER = 8 << 20;

/**
 * COPY … TO STDOUT as a pg "submittable" (what pg-copy-streams does, without the stream): the
 * server's CopyData messages are copied into blocks at once (their bytes are views of pg's read
 * buffer, which it reuses), and the socket is paused while more than COPY_HIGH_WATER bytes wait
 * for the reader, so a slow download keeps memory flat.
 */
class CopyOut {
  private blocks: Buffer[] = [];
  private queued = 0;
  private block: Buffer;
  private pos = 0;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private stream: { pause(): void; resume(): void } | undefined;
  private paused = false;

  constructor(
    readonly text: string,
    private readonly blockBytes: number,
  ) {
    this.block = Buffer.allocUnsafe(blockBytes);
  }

  submit(connection: { stream: { pause(): void; resume(): void }; query(text: string): void }): void {
    this.stream = connection.stream;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    // Blocks are filled to the byte: a row may end in the next block (the reader joins it up).
    const c = msg.chunk;
    let from = 0;
    while (from < c.length) {
      const n = Math.min(c.length - from, this.block.length - this.pos);
      c.copy(this.block, this.pos, from, from + n);
      this.pos += n;
      from += n;
      if (this.pos === this.block.length) this.seal();
    }
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.seal();
    this.done = true;
    this.notify();
  }

  handleError(err: Error): void {
    this.error = err;
    this.notify();
  }

  /** The next block, or null at the end. */
  async next(): Promise<Buffer | null> {
    while (this.blocks.length === 0 && !this.done && !this.error) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.error) throw this.error;
    const b = this.blocks.shift();
    if (!b) return null;
    this.queued -= b.length;
    if (this.paused && this.queued <= COPY_HIGH_WATER / 2) {
      this.paused = false;
      this.stream?.resume();
    }
    return b;
  }

  private seal(): void {
    if (this.pos > 0) {
      this.blocks.push(this.block.subarray(0, this.pos));
      this.queued += this.pos;
      this.block = Buffer.allocUnsafe(this.blockBytes);
      this.pos = 0;
      this.notify();
    }
    if (!this.paused && this.queued > COPY_HIGH_WATER) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

export function createStudentRepository(db: DbOrTx) {
  /** Copies the students' centre and branch onto their submissions, after a move. */
  async function submissionsFollow(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 5000) {
      const list = sql.join(
        ids.slice(i, i + 5000).map((x) => sql`${x}`),
        sql`, `,
      );
      await db.execute(
        sql`UPDATE submissions sub SET centre_id = st.centre_id, branch_id = st.branch_id
            FROM students st
            WHERE st.id = sub.student_id AND st.id IN (${list})
              AND (sub.centre_id <> st.centre_id OR sub.branch_id <> st.branch_id)`,
      );
    }
  }
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
    /** The students holding these numbers (any unit); `lock` holds their rows to the transaction's end. */
    async placements(studentNumbers: string[], lock = false): Promise<Placement[]> {
      const out: Placement[] = [];
      for (let i = 0; i < studentNumbers.length; i += 5000) {
        const q = db
          .select({
            id: students.id,
            studentNumber: students.studentNumber,
            centreId: students.centreId,
            branchId: students.branchId,
          })
          .from(students)
          .where(inArray(students.studentNumber, studentNumbers.slice(i, i + 5000)));
        out.push(...(await (lock ? q.for('update') : q)));
      }
      return out;
    },
    /**
     * Upserts by student number; returns how many rows were inserted vs updated. With `guard`, an
     * existing student outside that scope is left as it is and not returned: the caller checked
     * the scope before, so a row missing from the answer means another transaction got there first.
     */
    async upsertMany(
      list: NewStudent[],
      guard?: Scope,
    ): Promise<{ inserted: number; updated: number; ids: number[]; numbers: string[] }> {
      if (list.length === 0) return { inserted: 0, updated: 0, ids: [], numbers: [] };
      const setWhere =
        guard?.centreId !== undefined
          ? sql`${students.centreId} = ${guard.centreId}`
          : guard?.branchId !== undefined
            ? sql`${students.branchId} = ${guard.branchId}`
            : undefined;
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
            email: sql`excluded.email`,
            updatedAt: sql`now()`,
          },
          ...(setWhere ? { setWhere } : {}),
        })
        .returning({ id: students.id, studentNumber: students.studentNumber, inserted: sql<boolean>`(xmax = 0)` });
      const inserted = res.filter((r) => r.inserted).length;
      return {
        inserted,
        updated: res.length - inserted,
        ids: res.map((r) => r.id),
        numbers: res.map((r) => r.studentNumber),
      };
    },
    /** Puts a student in another centre; the submissions follow (scoped queues and exports read theirs). */
    async moveTo(id: number, centreId: number, branchId: number): Promise<void> {
      await db.update(students).set({ centreId, branchId, updatedAt: new Date() }).where(eq(students.id, id));
      await submissionsFollow([id]);
    },
    submissionsFollow,
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
    /**
     * Every uncollected student in scope, in id order, as PostgreSQL's COPY text format: blocks
     * of whole lines, the columns of UNCOLLECTED_COPY_COLUMNS separated by tabs. One statement
     * (one snapshot) streams the whole list, and the bytes go to the XLSX writer without a
     * JavaScript string or object per value: parsing 2.3 million rows of 7 values into rows
     * took as long as everything else the export does (bench/export.bench.ts). PostgreSQL server
     * only: null on PGlite, whose pages (above) the export reads instead. Holds a pooled
     * connection until read to the end; a caller that stops early (or fails) closes it, which ends
     * the COPY on the server.
     */
    async uncollectedCopy(
      campaignId: string,
      scope: Scope,
      /** Tests: small blocks, so that rows are cut between blocks. */
      blockBytes = COPY_BLOCK,
    ): Promise<AsyncGenerator<Buffer> | null> {
      const pool = (db as unknown as { $client?: unknown }).$client;
      if (!(pool instanceof pg.Pool)) return null;
      // COPY takes no parameters: the two values are checked to be a uuid and an integer.
      if (!UUID.test(campaignId)) throw new Error('campaign id is not a uuid');
      const unitId = scope.centreId ?? scope.branchId;
      if (unitId !== undefined && !Number.isSafeInteger(unitId)) throw new Error('unit id is not an integer');
      const unit =
        scope.centreId !== undefined
          ? `AND s.centre_id = ${unitId}`
          : scope.branchId !== undefined
            ? `AND s.branch_id = ${unitId}`
            : '';
      const cid = `'${campaignId}'::uuid`;
      const text = `COPY (SELECT s.student_number, s.name, s.id_number_masked, s.centre_id, s.intake_semester, s.phone,
                 sub.status
          FROM students s
          LEFT JOIN submissions sub ON sub.campaign_id = ${cid} AND sub.student_id = s.id
          WHERE s.enrolment_status = 'enrolled' ${unit}
            AND (sub.status IS NULL OR sub.status = 'rejected')
            AND NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.campaign_id = ${cid} AND e.student_id = s.id)
          ORDER BY s.id) TO STDOUT`;
      return (async function* () {
        // Connected on the first read, so a list never read holds no connection.
        const conn = await pool.connect();
        let ok = false;
        try {
          // The bytes are read as UTF-8, whatever the server's default for clients.
          await conn.query("SET client_encoding = 'UTF8'");
          const copy = new CopyOut(text, blockBytes);
          void conn.query(copy as unknown as pg.QueryConfig);
          let carry: Buffer | null = null;
          for (;;) {
            const block = await copy.next();
            if (!block) break;
            // Each block handed on ends with a line: a row cut by a block boundary waits for its end.
            const data: Buffer = carry ? Buffer.concat([carry, block]) : block;
            const last = data.lastIndexOf(0x0a);
            if (last < 0) {
              carry = data;
              continue;
            }
            carry = last + 1 < data.length ? data.subarray(last + 1) : null;
            yield data.subarray(0, last + 1);
          }
          if (carry) throw new Error('COPY ended inside a row');
          ok = true;
        } finally {
          // Stopped early or failed: the connection is closed rather than reused mid-COPY.
          conn.release(ok ? undefined : true);
        }
      })();
    },
    /**
     * The next block of `scan` students after `afterId`, as the id range (afterId, hi] that holds
     * them (an index-only scan); `full` is false for the last block. With uncollectedRange, how HQ
     * reads all of a campaign's uncollected students.
     */
    async idBlock(afterId: number, scan: number): Promise<{ hi: number; full: boolean } | null> {
      const [b] = await rows<{ hi: number | null; n: number }>(
        db,
        sql`SELECT max(id)::int AS hi, count(*)::int AS n
            FROM (SELECT id FROM students WHERE id > ${afterId} ORDER BY id LIMIT ${scan}) b`,
      );
      return b && b.hi !== null ? { hi: b.hi, full: b.n === scan } : null;
    },
    /**
     * Uncollected students with ids in (afterId, hi], all units. Probing each student's submission
     * by key, as uncollectedPage does, costs 0.04 ms a student in PGlite and made an HQ-wide export
     * of millions wait minutes on the database: here the range of students is joined with the same
     * id range of the campaign's submissions (one range scan each, hashed or merged).
     */
    async uncollectedRange(campaignId: string, afterId: number, hi: number): Promise<UncollectedRow[]> {
      return rows<UncollectedRow>(
        db,
        sql`SELECT s.id::int AS id, s.student_number AS "studentNumber", s.name,
                   s.id_number_masked AS "idNumberMasked", s.centre_id AS "centreId", s.phone,
                   s.intake_semester AS "intakeSemester", sub.status
            FROM students s
            LEFT JOIN submissions sub ON sub.campaign_id = ${campaignId} AND sub.student_id = s.id
              AND sub.student_id > ${afterId} AND sub.student_id <= ${hi}
            WHERE s.id > ${afterId} AND s.id <= ${hi} AND s.enrolment_status = 'enrolled'
              AND (sub.status IS NULL OR sub.status = 'rejected')
              AND NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.campaign_id = ${campaignId} AND e.student_id = s.id
                                AND e.student_id > ${afterId} AND e.student_id <= ${hi})
            ORDER BY s.id`,
      );
    },
  };
}
export type StudentRepository = ReturnType<typeof createStudentRepository>;
