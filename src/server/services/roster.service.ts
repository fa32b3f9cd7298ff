// Roster import: every row is validated first and every bad row reported with its column and
// reason; a file with errors imports nothing unless the caller asks for the good rows only.
import ExcelJS from 'exceljs';
import type { Db } from '../../db/client.js';
import type { IdCipher } from '../../db/crypto.js';
import type { RosterImportResponse, RosterRowError } from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { createAuditRepository } from '../repositories/audit.repository.js';
import type { CampaignRepository } from '../repositories/campaign.repository.js';
import { createCountsRepository } from '../repositories/counts.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import { createStudentRepository, type NewStudent } from '../repositories/student.repository.js';
import type { AdminAuthService, AdminPrincipal } from './admin-auth.service.js';
import { isValidIdNumber, maskIdNumber, normaliseIdNumber } from './id-number.js';

type Field = 'studentNumber' | 'name' | 'idNumber' | 'centreCode' | 'enrolmentStatus' | 'intakeSemester' | 'phone';

const HEADERS: Record<Field, string[]> = {
  studentNumber: ['学号', 'student_number', 'studentnumber'],
  name: ['姓名', 'name'],
  idNumber: ['身份证号', '身份证号码', '证件号码', 'id_number', 'idnumber'],
  centreCode: ['学习中心代码', '学习中心编码', 'centre_code', 'centrecode'],
  enrolmentStatus: ['学籍状态', 'enrolment_status', 'status'],
  intakeSemester: ['入学学期', 'intake_semester', 'intakesemester'],
  phone: ['手机', '手机号', '联系电话', 'phone'],
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

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

function decodeText(bytes: Uint8Array): string {
  // Excel in China saves CSV as GBK unless told otherwise.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(bytes);
  }
}

async function readTable(bytes: Uint8Array, filename: string): Promise<string[][]> {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (isZip || /\.xlsx$/i.test(filename)) {
    if (!isZip) throw KaozhaoError.of('roster.unsupported_type');
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
    } catch (e) {
      throw KaozhaoError.of('roster.unsupported_type', { cause: e });
    }
    const ws = wb.worksheets[0];
    if (!ws) return [];
    const table: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (r, n) => {
      const cells: string[] = [];
      r.eachCell({ includeEmpty: true }, (c, col) => {
        cells[col - 1] = c.text ?? '';
      });
      table[n - 1] = Array.from(cells, (c) => c ?? '');
    });
    return Array.from(table, (r) => r ?? []);
  }
  if (/\.(csv|txt)$/i.test(filename) || !bytes.includes(0)) return parseCsv(decodeText(bytes));
  throw KaozhaoError.of('roster.unsupported_type');
}

export function createRosterService(deps: {
  db: Db;
  units: OrgRepository;
  campaigns: CampaignRepository;
  auth: AdminAuthService;
  cipher: IdCipher;
}) {
  const { db, units, cipher } = deps;

  return {
    async import(
      p: AdminPrincipal,
      bytes: Uint8Array,
      filename: string,
      acceptGoodRows: boolean,
    ): Promise<RosterImportResponse> {
      const table = (await readTable(bytes, filename)).filter((r) => r.some((c) => c.trim() !== ''));
      const header = table[0];
      if (!header) throw KaozhaoError.of('roster.empty');
      const index = new Map<Field, number>();
      const norm = header.map((h) => h.trim().toLowerCase().replace(/\s+/g, ''));
      for (const [field, names] of Object.entries(HEADERS) as [Field, string[]][]) {
        const i = norm.findIndex((h) => names.includes(h));
        if (i >= 0) index.set(field, i);
      }
      const errors: RosterRowError[] = [];
      for (const f of REQUIRED) {
        if (!index.has(f)) errors.push({ row: 1, column: COLUMN_LABEL[f], reason: '缺少该列' });
      }
      if (errors.length > 0) {
        return { imported: false, total: table.length - 1, inserted: 0, updated: 0, rejected: 0, errors };
      }
      const centres = new Map<string, OrgUnit>();
      for (const u of await units.all()) if (u.level === 'centre') centres.set(u.code, u);
      const good: NewStudent[] = [];
      const seen = new Map<string, number>();
      let bad = 0;
      for (let r = 1; r < table.length; r++) {
        const row = table[r]!;
        const rowNo = r + 1;
        const get = (f: Field) => (index.has(f) ? (row[index.get(f)!] ?? '').trim() : '');
        const rowErrors: RosterRowError[] = [];
        const err = (f: Field, reason: string) => rowErrors.push({ row: rowNo, column: COLUMN_LABEL[f], reason });
        const sn = get('studentNumber');
        if (!/^[0-9A-Za-z]{4,20}$/.test(sn)) err('studentNumber', sn ? '学号应为 4–20 位字母或数字' : '不能为空');
        else if (seen.has(sn)) err('studentNumber', `与第 ${seen.get(sn)} 行学号重复`);
        const name = get('name');
        if (!name) err('name', '不能为空');
        else if ([...name].length > 40) err('name', '过长（最多 40 个字）');
        const id = normaliseIdNumber(get('idNumber'));
        if (!id) err('idNumber', '不能为空');
        else if (!isValidIdNumber(id)) err('idNumber', '格式或校验位不正确');
        const centre = centres.get(get('centreCode'));
        if (!get('centreCode')) err('centreCode', '不能为空');
        else if (!centre) err('centreCode', '学习中心代码不存在');
        else if (!deps.auth.studentInScope(p, { centreId: centre.id, branchId: centre.parentId ?? -1 })) {
          err('centreCode', '该学习中心不在您的管理范围内');
        }
        const statusRaw = get('enrolmentStatus');
        const status = statusRaw ? STATUS[statusRaw.toLowerCase()] : 'enrolled';
        if (!status) err('enrolmentStatus', '应为 在籍、休学、毕业 或 退学');
        const sem = get('intakeSemester');
        if (!/^\d{4}-[12]$/.test(sem)) err('intakeSemester', '格式应为 年份-学期，如 2025-2（秋季）');
        const phone = get('phone');
        if (phone && !/^1\d{10}$/.test(phone)) err('phone', '手机号应为 11 位数字');
        if (sn) seen.set(sn, rowNo);
        if (rowErrors.length > 0) {
          bad++;
          errors.push(...rowErrors);
          continue;
        }
        good.push({
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
        });
      }
      const total = table.length - 1;
      if (bad > 0 && !acceptGoodRows) {
        return { imported: false, total, inserted: 0, updated: 0, rejected: bad, errors };
      }
      const current = await deps.campaigns.current();
      const result = await db.transaction(async (tx) => {
        const txStudents = createStudentRepository(tx);
        let inserted = 0;
        let updated = 0;
        const ids: number[] = [];
        for (let i = 0; i < good.length; i += 500) {
          const r = await txStudents.upsertMany(good.slice(i, i + 500));
          inserted += r.inserted;
          updated += r.updated;
          ids.push(...r.ids);
        }
        await createAuditRepository(tx).record({
          adminId: p.admin.id,
          action: 'roster.import',
          unitId: p.unit.id,
          detail: { filename: filename.slice(0, 200), total, inserted, updated, rejected: bad },
          studentIds: ids,
        });
        if (current) await createCountsRepository(tx).refresh(current.id);
        return { inserted, updated };
      });
      return { imported: true, total, ...result, rejected: bad, errors };
    },
  };
}
export type RosterService = ReturnType<typeof createRosterService>;
