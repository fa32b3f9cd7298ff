// Streamed exports: rows are read as they are written (one COPY stream on a PostgreSQL server,
// keyset pages on PGlite), so an HQ-wide export of millions of students keeps memory flat
// (bench/export.bench.ts measures it). Every export is audit-logged with its filter.
import type { PassThrough, Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import ExcelJS from 'exceljs';
import type { DailyReportResponse, UncollectedStudent } from '../../domain/admin-api.js';
import { can } from '../../domain/roles.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import type { PhotoRepository } from '../repositories/photo.repository.js';
import type { StorageRepository } from '../repositories/storage.repository.js';
import {
  type StudentRepository,
  UNCOLLECTED_COPY_COLUMNS,
  type UncollectedRow,
} from '../repositories/student.repository.js';
import { type AdminPrincipal, scopeOf } from './admin-auth.service.js';
import { maskPhone } from './id-number.js';
import { createXlsxWriter, XLSX_SHEET_MAX_ROWS } from './xlsx-writer.js';

const PAGE_ROWS = 5000;
// The values of a COPY line (UNCOLLECTED_COPY_COLUMNS), by position; the XLSX's columns follow them.
const COPY_COLUMNS = UNCOLLECTED_COPY_COLUMNS.length;
const CENTRE = UNCOLLECTED_COPY_COLUMNS.indexOf('centre_id');
const SEMESTER = UNCOLLECTED_COPY_COLUMNS.indexOf('intake_semester');
const PHONE = UNCOLLECTED_COPY_COLUMNS.indexOf('phone');
const STATUS = UNCOLLECTED_COPY_COLUMNS.indexOf('status');
const REJECTED = Buffer.from('rejected');
/** COPY's text-format escapes (it writes no others). */
const UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A COPY value with a backslash: null for \N, else the text with its escapes decoded. */
function copyText(b: Buffer, start: number, end: number): string | null {
  if (end - start === 2 && b[start] === 0x5c && b[start + 1] === 0x4e) return null;
  return b.toString('utf8', start, end).replace(/\\(.)/gs, (_, c: string) => UNESCAPE[c] ?? c);
}

/** Whether b[start, end) holds the bytes of `x` (a loop: Buffer#compare is a call into C++ per row). */
function sameBytes(b: Buffer, start: number, end: number, x: Uint8Array): boolean {
  if (end - start !== x.length) return false;
  for (let i = 0; i < x.length; i++) if (b[start + i] !== x[i]) return false;
  return true;
}

function isRejected(b: Buffer, start: number, end: number): boolean {
  return sameBytes(b, start, end, REJECTED);
}

/**
 * maskPhone on bytes, into `to`, for the usual phone: printable ASCII without spaces, 8 to 64
 * characters (then trimming changes nothing and a byte is a character, so the result is
 * maskPhone's). False for any other value: the caller masks its string.
 */
function maskPhoneBytes(b: Buffer, start: number, end: number, to: Buffer): boolean {
  const n = end - start;
  if (n <= 7 || n > to.length) return false;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  for (let i = 0; i < n; i++) to[i] = i < 3 || i >= n - 4 ? b[start + i]! : 0x2a;
  return true;
}
/** Students HQ's export reads a query: about half of them uncollected at a campaign's start. */
const SCAN_STUDENTS = 10_000;
/** HQ's blocks read at once (PGlite runs them one after the other anyway). */
const READ_AHEAD = 3;

export function createExportService(deps: {
  students: StudentRepository;
  photos: PhotoRepository;
  units: OrgRepository;
  storage: StorageRepository;
  audit: AuditRepository;
  /** Tests: small pages and sheets, to see them join up. */
  pageSize?: { page: number; scan: number; sheetRows: number; copyBlock?: number };
}) {
  const { students, photos, units, storage, audit } = deps;
  const PAGE = deps.pageSize?.page ?? PAGE_ROWS;
  const SCAN = deps.pageSize?.scan ?? SCAN_STUDENTS;
  const SHEET_ROWS = deps.pageSize?.sheetRows ?? XLSX_SHEET_MAX_ROWS;

  const toDto = (p: AdminPrincipal, r: UncollectedRow, names: Map<number, string>): UncollectedStudent => ({
    studentNumber: r.studentNumber,
    name: r.name,
    idNumberMasked: r.idNumberMasked,
    centreId: r.centreId,
    centreName: names.get(r.centreId) ?? '',
    intakeSemester: r.intakeSemester,
    phone: r.phone && !can(p.admin.role, 'studentPhones') ? maskPhone(r.phone) : r.phone,
    lastStatus: r.status === 'rejected' ? 'rejected' : null,
  });

  async function centreNames(): Promise<Map<number, string>> {
    return new Map((await units.all()).map((u) => [u.id, u.name]));
  }

  return {
    async uncollectedPage(
      p: AdminPrincipal,
      campaignId: string,
      unit: OrgUnit,
      after: number,
      limit: number,
    ): Promise<{ items: UncollectedStudent[]; next: number | null }> {
      const rows = await students.uncollectedPage(campaignId, scopeOf(unit), after, limit);
      const names = await centreNames();
      return {
        items: rows.map((r) => toDto(p, r, names)),
        next: rows.length === limit ? rows[rows.length - 1]!.id : null,
      };
    },

    /** The XLSX of a unit's uncollected students, streamed; resolves when written to `out`. */
    async uncollectedXlsx(p: AdminPrincipal, campaignId: string, unit: OrgUnit, out: PassThrough): Promise<number> {
      const names = await centreNames();
      const columns = [
        { header: '学号', width: 16 },
        { header: '姓名', width: 10 },
        { header: '身份证号', width: 22 },
        // A few thousand centres, a few semesters, two statuses: shared strings (see xlsx-writer).
        { header: '学习中心', width: 24, shared: true },
        { header: '入学学期', width: 10, shared: true },
        { header: '手机', width: 14 },
        { header: '状态', width: 10, shared: true },
      ];
      const maskPhones = !can(p.admin.role, 'studentPhones');
      // The same cells as toDto gives the JSON list, without the object in between.
      const cells = (r: UncollectedRow): (string | null)[] => [
        r.studentNumber,
        r.name,
        r.idNumberMasked,
        names.get(r.centreId) ?? '',
        r.intakeSemester,
        r.phone && maskPhones ? maskPhone(r.phone) : r.phone,
        r.status === 'rejected' ? '被退回' : '未提交',
      ];
      // On PGlite, HQ reads blocks of students joined with their submissions, several in flight;
      // a branch or a centre is a thin slice of the id range, read through its own index and
      // probed per student, one page ahead. (A PostgreSQL server streams COPY instead, below.)
      async function* pages(): AsyncGenerator<UncollectedRow[]> {
        const inFlight: Promise<UncollectedRow[]>[] = [];
        const read = <T>(p: Promise<T>): Promise<T> => {
          p.catch(() => {}); // awaited in turn; an export given up leaves none unhandled
          return p;
        };
        if (unit.level === 'hq') {
          let after: number | null = 0;
          for (;;) {
            while (after !== null && inFlight.length < READ_AHEAD) {
              const block = await students.idBlock(after, SCAN);
              if (block) inFlight.push(read(students.uncollectedRange(campaignId, after, block.hi)));
              after = block?.full ? block.hi : null;
            }
            const next = inFlight.shift();
            if (!next) return;
            yield await next;
          }
        }
        let next: Promise<UncollectedRow[]> | null = read(students.uncollectedPage(campaignId, scopeOf(unit), 0, PAGE));
        while (next) {
          const rows: UncollectedRow[] = await next;
          next =
            rows.length === PAGE
              ? read(students.uncollectedPage(campaignId, scopeOf(unit), rows[rows.length - 1]!.id, PAGE))
              : null;
          yield rows;
        }
      }
      const copy = await students.uncollectedCopy(campaignId, scopeOf(unit), deps.pageSize?.copyBlock);
      const xlsx = createXlsxWriter(out);
      let sheetNo = 1;
      // Excel opens at most 1,048,576 rows per sheet: an HQ-wide list continues on further sheets.
      const nextSheet = () => xlsx.addSheet(`未采集名单 (${++sheetNo})`, columns);

      /**
       * Writes a block of COPY text lines (student.repository's uncollectedCopy) as rows: the cells
       * `cells` gives, with the text values copied as UTF-8 bytes. A value with a backslash is
       * \N (null) or holds an escaped tab, newline or backslash: decoded as a string (rare).
       */
      async function copyRows(b: Buffer): Promise<number> {
        let rows = 0;
        let i = 0;
        while (i < b.length) {
          if (xlsx.sheetRows === SHEET_ROWS) await nextSheet();
          xlsx.beginRow();
          let col = 0;
          let start = i;
          let escaped = false;
          for (;;) {
            const c = b[i];
            if (c === 0x09 || c === 0x0a) {
              copyCell(b, col, start, i, escaped);
              col++;
              i++;
              if (c === 0x0a) break;
              start = i;
              escaped = false;
            } else if (c === 0x5c) {
              escaped = true;
              i += 2;
            } else if (c === undefined) {
              throw new Error('COPY line without its end');
            } else {
              i++;
            }
          }
          if (col !== COPY_COLUMNS) throw new Error(`COPY line of ${col} values`);
          xlsx.endRow();
          rows++;
        }
        return rows;
      }
      const scratch = Buffer.alloc(64);
      let semesterBytes: Buffer | null = null;
      let semester = '';
      function copyCell(b: Buffer, col: number, start: number, end: number, escaped: boolean): void {
        const text = escaped ? copyText(b, start, end) : undefined;
        if (text === null) {
          if (col === STATUS) xlsx.cell(col, '未提交');
          return;
        }
        switch (col) {
          case CENTRE: {
            let id = 0;
            for (let j = start; j < end; j++) id = id * 10 + (b[j]! - 48);
            xlsx.cell(col, names.get(id) ?? '');
            return;
          }
          case SEMESTER:
            // One semester string for a run of equal ones, not one per row.
            if (text !== undefined) xlsx.cell(col, text);
            else {
              if (!semesterBytes || !sameBytes(b, start, end, semesterBytes)) {
                semesterBytes = Buffer.from(b.subarray(start, end));
                semester = semesterBytes.toString('utf8');
              }
              xlsx.cell(col, semester);
            }
            return;
          case PHONE:
            if (maskPhones) {
              if (text === undefined && maskPhoneBytes(b, start, end, scratch)) {
                xlsx.cellUtf8(col, scratch, 0, end - start);
              } else {
                const phone = text ?? b.toString('utf8', start, end);
                if (phone) xlsx.cell(col, maskPhone(phone));
              }
              return;
            }
            break;
          case STATUS: {
            const rejected = text !== undefined ? text === 'rejected' : isRejected(b, start, end);
            xlsx.cell(col, rejected ? '被退回' : '未提交');
            return;
          }
        }
        if (text !== undefined) xlsx.cell(col, text);
        else xlsx.cellUtf8(col, b, start, end);
      }

      try {
        await xlsx.addSheet('未采集名单', columns);
        let count = 0;
        if (copy) {
          for await (const block of copy) {
            count += await copyRows(block);
            await xlsx.flush();
          }
        } else {
          for await (const rows of pages()) {
            let from = 0;
            while (from < rows.length) {
              if (xlsx.sheetRows === SHEET_ROWS) await nextSheet();
              const part = rows.slice(from, from + SHEET_ROWS - xlsx.sheetRows);
              from += part.length;
              await xlsx.addRows(part.map(cells));
            }
            count += rows.length;
          }
        }
        // Audited before the workbook is closed: closing ends the HTTP response, and an entry written
        // after it could be missing when the admin (or a test) looks at the log right after the
        // download. Every row has been handed out by now.
        await audit.record({
          adminId: p.admin.id,
          action: 'export.uncollected',
          unitId: unit.id,
          detail: { campaignId, format: 'xlsx', at: new Date().toISOString() },
          studentCount: count,
        });
        await xlsx.finish();
        return count;
      } catch (e) {
        xlsx.abort(e as Error);
        throw e;
      }
    },

    async dailyReportXlsx(report: DailyReportResponse): Promise<Buffer> {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet(`日报 ${report.date}`);
      ws.columns = [
        { header: '单位代码', key: 'code', width: 12 },
        { header: '单位', key: 'name', width: 24 },
        { header: '所属分部', key: 'branchName', width: 20 },
        { header: '在籍人数', key: 'enrolled', width: 10 },
        { header: '免采人数', key: 'exempt', width: 10 },
        { header: '应采人数', key: 'required', width: 10 },
        { header: '已提交', key: 'submitted', width: 10 },
        { header: '已通过', key: 'approved', width: 10 },
        { header: '待审核', key: 'needsReview', width: 10 },
        { header: '被退回', key: 'rejected', width: 10 },
        { header: '未采集', key: 'uncollected', width: 10 },
        { header: '采集率', key: 'rate', width: 10 },
        { header: '当日提交', key: 'daySubmitted', width: 10 },
        { header: '当日通过', key: 'dayApproved', width: 10 },
        { header: '当日退回', key: 'dayRejected', width: 10 },
      ];
      for (const r of report.rows) {
        ws.addRow({
          ...r,
          daySubmitted: r.day.submitted,
          dayApproved: r.day.approved,
          dayRejected: r.day.rejected,
        });
      }
      ws.getColumn('rate').numFmt = '0.0%';
      return Buffer.from(await wb.xlsx.writeBuffer());
    },

    /** Approved photos as <student number>.jpg in a zip, streamed. */
    photosZip(p: AdminPrincipal, campaignId: string, unit: OrgUnit): Readable {
      const zip = new ZipArchive({ store: true });
      void (async () => {
        let after = 0;
        let count = 0;
        try {
          for (;;) {
            const rows = await photos.approvedPage(campaignId, scopeOf(unit), after, 1000);
            for (const r of rows) {
              const bytes = await storage.get(`${r.photoId}/${r.background ?? 'blue'}.jpg`);
              if (bytes) {
                zip.append(Buffer.from(bytes), { name: `${r.studentNumber}.jpg` });
                count++;
              }
            }
            if (rows.length < 1000) break;
            after = rows[rows.length - 1]!.studentId;
          }
          await audit.record({
            adminId: p.admin.id,
            action: 'export.photos',
            unitId: unit.id,
            detail: { campaignId, at: new Date().toISOString() },
            studentCount: count,
          });
          await zip.finalize();
        } catch (e) {
          zip.abort();
          zip.emit('error', e);
        }
      })();
      return zip;
    },
  };
}
export type ExportService = ReturnType<typeof createExportService>;
