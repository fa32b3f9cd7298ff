// Roster import: every row is validated first and every bad row reported with its column and
// reason; a file with errors imports nothing unless the caller asks for the good rows only.
// Scope: a row may create a new student or rewrite one of the importer's own students, never one
// of another unit's; such a row is refused like any unusable student number, and the unit whose
// student it names sees the attempt in its audit log. Every import is audited in the scope of
// every centre it touched, and a row that changes a student's centre is audited as a move.
import type { Db } from '../../db/client.js';
import type { IdCipher } from '../../db/crypto.js';
import {
  ROSTER_ERRORS_SHOWN,
  type RosterImportResponse,
  type RosterRowError,
  type StudentMoveResponse,
} from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { type AuditEntry, type AuditRepository, createAuditRepository } from '../repositories/audit.repository.js';
import type { CampaignRepository } from '../repositories/campaign.repository.js';
import { createCountsRepository } from '../repositories/counts.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import {
  createStudentRepository,
  type NewStudent,
  type Placement,
  type StudentRepository,
} from '../repositories/student.repository.js';
import { type AdminAuthService, type AdminPrincipal, scopeOf } from './admin-auth.service.js';
import { isValidIdNumber, maskIdNumber, normaliseIdNumber } from './id-number.js';
import { parseRosterFile, xmlBytesFor } from './roster-parse.js';

export { parseCsv } from './roster-parse.js';

type Field =
  | 'studentNumber'
  | 'name'
  | 'idNumber'
  | 'centreCode'
  | 'enrolmentStatus'
  | 'intakeSemester'
  | 'phone'
  | 'email';

const HEADERS: Record<Field, string[]> = {
  studentNumber: ['学号', 'student_number', 'studentnumber'],
  name: ['姓名', 'name'],
  idNumber: ['身份证号', '身份证号码', '证件号码', 'id_number', 'idnumber'],
  centreCode: ['学习中心代码', '学习中心编码', 'centre_code', 'centrecode'],
  enrolmentStatus: ['学籍状态', 'enrolment_status', 'status'],
  intakeSemester: ['入学学期', 'intake_semester', 'intakesemester'],
  phone: ['手机', '手机号', '联系电话', 'phone'],
  email: ['邮箱', '电子邮箱', '电子邮件', 'email', 'e-mail'],
};
const REQUIRED: Field[] = ['studentNumber', 'name', 'idNumber', 'centreCode', 'intakeSemester'];
export const COLUMN_LABEL: Record<Field, string> = {
  studentNumber: '学号',
  name: '姓名',
  idNumber: '身份证号',
  centreCode: '学习中心代码',
  enrolmentStatus: '学籍状态',
  intakeSemester: '入学学期',
  phone: '手机',
  email: '邮箱',
};
const STATUS: Record<string, NewStudent['enrolmentStatus']> = {
  在籍: 'enrolled',
  enrolled: 'enrolled',
  休学: 'suspended',
  suspended: 'suspended',
  毕业: 'graduated',
  graduated: 'graduated',
  退学: 'withdrawn',
  withdrawn: 'withdrawn',
};

/**
 * The one reason given for a student number that cannot be imported: malformed, or held by a
 * student outside the importer's scope. One wording, so the answer does not say which.
 */
export const UNUSABLE_STUDENT_NUMBER = '学号不可用，请核对（学号为 4–20 位字母或数字）';

// The embedded database (PGlite) runs queries on this thread, and a chain of awaited queries
// never returns to the event loop by itself: the import yields a turn between slices of work, so
// other requests are served meanwhile (database requests wait for the transaction, as they would
// for any writer). 50,000 rows on PGlite, 2 busy cores: event-loop delay p99 ≈ 0.25 s, where the
// transaction used to hold the loop for 63 s in one piece.
const STUDENT_NUMBER = /^[0-9A-Za-z]{4,20}$/;
/** Where the smtp reminder channel writes; a plausible address, not a deliverable one. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROWS_PER_TURN = 500;
const WRITE_BATCH = 250;
const LOOKUP_BATCH = 1000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function placementsOf(students: StudentRepository, numbers: string[], lock = false): Promise<Placement[]> {
  const out: Placement[] = [];
  for (let i = 0; i < numbers.length; i += LOOKUP_BATCH) {
    if (i > 0) await nextTurn();
    out.push(...(await students.placements(numbers.slice(i, i + LOOKUP_BATCH), lock)));
  }
  return out;
}

interface GoodRow {
  student: NewStudent & { centreId: number; branchId: number };
  /** The student's current placement when the number exists (in the importer's scope). */
  existing?: Placement;
}

export function createRosterService(deps: {
  db: Db;
  units: OrgRepository;
  campaigns: CampaignRepository;
  students: StudentRepository;
  audit: AuditRepository;
  auth: AdminAuthService;
  cipher: IdCipher;
  /** Data rows a file may hold (KAOZHAO_ROSTER_MAX_ROWS). */
  maxRows?: number;
}) {
  const { db, units, cipher, auth } = deps;
  const maxRows = deps.maxRows ?? 50_000;

  async function unitsById(): Promise<Map<number, OrgUnit>> {
    return new Map((await units.all()).map((u) => [u.id, u]));
  }

  /** One entry per (from, to) pair in each of the two centres' scopes. */
  function moveEntries(
    p: AdminPrincipal,
    moves: { id: number; from: number; to: number }[],
    byId: Map<number, OrgUnit>,
    detail: Record<string, unknown>,
  ): AuditEntry[] {
    const pairs = new Map<string, { from: number; to: number; ids: number[] }>();
    for (const m of moves) {
      const key = `${m.from}>${m.to}`;
      const pair = pairs.get(key) ?? { from: m.from, to: m.to, ids: [] };
      pair.ids.push(m.id);
      pairs.set(key, pair);
    }
    return [...pairs.values()].flatMap(({ from, to, ids }) => {
      const d = { ...detail, fromCentre: byId.get(from)?.code, toCentre: byId.get(to)?.code };
      return [from, to].map((unitId) => ({
        adminId: p.admin.id,
        action: 'student.move' as const,
        unitId,
        detail: d,
        studentIds: ids,
      }));
    });
  }

  return {
    async import(
      p: AdminPrincipal,
      bytes: Uint8Array,
      filename: string,
      acceptGoodRows: boolean,
    ): Promise<RosterImportResponse> {
      auth.can(p, 'roster');
      const { rows: table, lines } = await parseRosterFile(bytes, filename, {
        maxRows,
        maxXmlBytes: xmlBytesFor(maxRows),
      });
      const header = table[0];
      if (!header) throw KaozhaoError.of('roster.empty');
      const index = new Map<Field, number>();
      const norm = header.map((h) => h.trim().toLowerCase().replace(/\s+/g, ''));
      for (const [field, names] of Object.entries(HEADERS) as [Field, string[]][]) {
        const i = norm.findIndex((h) => names.includes(h));
        if (i >= 0) index.set(field, i);
      }
      const total = table.length - 1;
      const errors: RosterRowError[] = [];
      let errorCount = 0;
      const report = (e: RosterRowError) => {
        errorCount++;
        if (errors.length < ROSTER_ERRORS_SHOWN) errors.push(e);
      };
      for (const f of REQUIRED) {
        if (!index.has(f)) report({ row: lines[0] ?? 1, column: COLUMN_LABEL[f], reason: '缺少该列' });
      }
      const empty = { total, inserted: 0, updated: 0, moved: 0 };
      if (errorCount > 0) return { imported: false, ...empty, rejected: 0, errors, errorCount };

      const cell = (row: string[], f: Field) => (index.has(f) ? (row[index.get(f)!] ?? '').trim() : '');
      const byId = await unitsById();
      const centres = new Map<string, OrgUnit>();
      for (const u of byId.values()) if (u.level === 'centre') centres.set(u.code, u);
      // Who holds the file's numbers now, read once before the rows are judged.
      const numbers = [...new Set(table.slice(1).map((r) => cell(r, 'studentNumber')))].filter((n) =>
        STUDENT_NUMBER.test(n),
      );
      const holders = new Map((await placementsOf(deps.students, numbers)).map((h) => [h.studentNumber, h]));

      const good: GoodRow[] = [];
      /** Students of other units that rows named, for those units' audit logs. */
      const refused: Placement[] = [];
      const seen = new Map<string, number>();
      let bad = 0;
      for (let r = 1; r < table.length; r++) {
        if (r % ROWS_PER_TURN === 0) await nextTurn();
        const row = table[r]!;
        const rowNo = lines[r]!;
        const get = (f: Field) => cell(row, f);
        let rowBad = false;
        const err = (f: Field, reason: string) => {
          rowBad = true;
          report({ row: rowNo, column: COLUMN_LABEL[f], reason });
        };
        const sn = get('studentNumber');
        const holder = holders.get(sn);
        const outside = holder !== undefined && !auth.studentInScope(p, holder);
        if (!sn) err('studentNumber', '不能为空');
        else if (!STUDENT_NUMBER.test(sn) || outside) err('studentNumber', UNUSABLE_STUDENT_NUMBER);
        else if (seen.has(sn)) err('studentNumber', `与第 ${seen.get(sn)} 行学号重复`);
        if (outside && holder && !seen.has(sn)) refused.push(holder);
        const name = get('name');
        if (!name) err('name', '不能为空');
        else if ([...name].length > 40) err('name', '过长（最多 40 个字）');
        const id = normaliseIdNumber(get('idNumber'));
        if (!id) err('idNumber', '不能为空');
        else if (!isValidIdNumber(id)) err('idNumber', '格式或校验位不正确');
        const centre = centres.get(get('centreCode'));
        if (!get('centreCode')) err('centreCode', '不能为空');
        else if (!centre) err('centreCode', '学习中心代码不存在');
        else if (!auth.studentInScope(p, { centreId: centre.id, branchId: centre.parentId ?? -1 })) {
          err('centreCode', '该学习中心不在您的管理范围内');
        }
        const statusRaw = get('enrolmentStatus');
        const status = statusRaw ? STATUS[statusRaw.toLowerCase()] : 'enrolled';
        if (!status) err('enrolmentStatus', '应为 在籍、休学、毕业 或 退学');
        const sem = get('intakeSemester');
        if (!/^\d{4}-[12]$/.test(sem)) err('intakeSemester', '格式应为 年份-学期，如 2025-2（秋季）');
        const phone = get('phone');
        if (phone && !/^1\d{10}$/.test(phone)) err('phone', '手机号应为 11 位数字');
        const email = get('email');
        // The reason never quotes the cell: an address is personal data, and row errors are shown and kept.
        if (email && (email.length > 254 || !EMAIL.test(email))) err('email', '邮箱格式不正确');
        if (sn && !seen.has(sn)) seen.set(sn, rowNo);
        if (rowBad) {
          bad++;
          continue;
        }
        good.push({
          student: {
            studentNumber: sn,
            name,
            idNumberEnc: cipher.encrypt(id),
            idNumberHmac: cipher.hmac(id),
            idNumberMasked: maskIdNumber(id),
            centreId: centre!.id,
            branchId: centre!.parentId!,
            enrolmentStatus: status!,
            intakeSemester: sem,
            phone: phone || null,
            email: email || null,
          },
          existing: holder,
        });
      }
      const imported = bad === 0 || acceptGoodRows;
      const attempt = {
        adminId: p.admin.id,
        action: 'roster.import' as const,
        detail: { filename: filename.slice(0, 200), imported, refused: 0 },
      };
      /** The refused rows' units learn that someone named their students. */
      const refusalEntries = (): AuditEntry[] => {
        const perCentre = new Map<number, number[]>();
        for (const h of refused) {
          const ids = perCentre.get(h.centreId) ?? [];
          ids.push(h.id);
          perCentre.set(h.centreId, ids);
        }
        return [...perCentre].map(([unitId, ids]) => ({
          ...attempt,
          unitId,
          detail: { ...attempt.detail, refused: ids.length },
          studentIds: ids,
        }));
      };
      if (!imported) {
        for (const e of refusalEntries()) await deps.audit.record(e);
        return { imported: false, ...empty, rejected: bad, errors, errorCount };
      }

      const current = await deps.campaigns.current();
      const result = await db.transaction(async (tx) => {
        const txStudents = createStudentRepository(tx);
        const audit = createAuditRepository(tx);
        // The placements again, locked: a student moved or created elsewhere since the check
        // above would otherwise be rewritten by a row judged against where it was.
        const now = new Map(
          (
            await placementsOf(
              txStudents,
              good.map((g) => g.student.studentNumber),
              true,
            )
          ).map((h) => [h.studentNumber, h]),
        );
        for (const g of good) {
          const h = now.get(g.student.studentNumber);
          if (h?.centreId !== g.existing?.centreId) throw KaozhaoError.of('roster.changed');
        }
        let inserted = 0;
        let updated = 0;
        const idOf = new Map<string, number>();
        for (let i = 0; i < good.length; i += WRITE_BATCH) {
          if (i > 0) await nextTurn();
          const batch = good.slice(i, i + WRITE_BATCH).map((g) => g.student);
          const r = await txStudents.upsertMany(batch, scopeOf(p.unit));
          // A number created outside the scope after the locked read: not written, so refused.
          if (r.ids.length !== batch.length) throw KaozhaoError.of('roster.changed');
          inserted += r.inserted;
          updated += r.updated;
          for (const [k, n] of r.numbers.entries()) idOf.set(n, r.ids[k]!);
        }
        const moves = good
          .filter((g) => g.existing && g.existing.centreId !== g.student.centreId)
          .map((g) => ({ id: g.existing!.id, from: g.existing!.centreId, to: g.student.centreId }));
        await txStudents.submissionsFollow(moves.map((m) => m.id));

        // One entry per centre the file wrote to, in that centre's scope (so its branch and HQ
        // see it too); none written: one entry in the importer's own scope.
        const perCentre = new Map<number, { ids: number[]; inserted: number; updated: number }>();
        for (const g of good) {
          const c = perCentre.get(g.student.centreId) ?? { ids: [], inserted: 0, updated: 0 };
          c.ids.push(idOf.get(g.student.studentNumber)!);
          if (g.existing) c.updated++;
          else c.inserted++;
          perCentre.set(g.student.centreId, c);
        }
        const detail = { ...attempt.detail, total, rejected: bad };
        const entries: AuditEntry[] = [
          ...[...perCentre].map(([unitId, c]) => ({
            ...attempt,
            unitId,
            detail: { ...detail, inserted: c.inserted, updated: c.updated },
            studentIds: c.ids,
          })),
          ...moveEntries(p, moves, byId, { via: 'roster', filename: attempt.detail.filename }),
          ...refusalEntries(),
        ];
        if (perCentre.size === 0) entries.push({ ...attempt, unitId: p.unit.id, detail, studentIds: [] });
        for (const e of entries) await audit.record(e);
        if (current) await createCountsRepository(tx).refresh(current.id);
        return { inserted, updated, moved: moves.length };
      });
      return { imported: true, total, ...result, rejected: bad, errors, errorCount };
    },

    /**
     * Puts a student in another learning centre. Both centres must be in the admin's scope; a
     * student outside it is "not found", as everywhere. Audited in both centres' scopes.
     */
    async move(p: AdminPrincipal, studentNumber: string, centreCode: string): Promise<StudentMoveResponse> {
      auth.can(p, 'roster');
      const student = await deps.students.byNumber(studentNumber.trim());
      if (!student || !auth.studentInScope(p, student)) throw KaozhaoError.of('student.not_found');
      const target = await units.byCode(centreCode.trim());
      if (!target) throw KaozhaoError.of('unit.not_found');
      if (target.level !== 'centre' || target.parentId === null) throw KaozhaoError.of('student.move_target');
      if (!auth.studentInScope(p, { centreId: target.id, branchId: target.parentId })) {
        throw KaozhaoError.of('auth.out_of_scope');
      }
      const byId = await unitsById();
      const view = (id: number) => ({ code: byId.get(id)?.code ?? '', name: byId.get(id)?.name ?? '' });
      const current = await deps.campaigns.current();
      return db.transaction(async (tx) => {
        const txStudents = createStudentRepository(tx);
        const [now] = await txStudents.placements([student.studentNumber], true);
        // Moved out of the scope meanwhile: as unknown as any other student outside it.
        if (!now || !auth.studentInScope(p, now)) throw KaozhaoError.of('student.not_found');
        const answer = { studentNumber: now.studentNumber, from: view(now.centreId), to: view(target.id) };
        if (now.centreId === target.id) return { ...answer, moved: false };
        await txStudents.moveTo(now.id, target.id, target.parentId!);
        const audit = createAuditRepository(tx);
        for (const e of moveEntries(p, [{ id: now.id, from: now.centreId, to: target.id }], byId, { via: 'move' })) {
          await audit.record(e);
        }
        if (current) await createCountsRepository(tx).refresh(current.id);
        return { ...answer, moved: true };
      });
    },
  };
}
export type RosterService = ReturnType<typeof createRosterService>;
