// Streamed exports: rows are read in keyset pages and written as they come, so an HQ-wide export
// of millions of students keeps memory flat (bench/export.bench.ts measures it). Every export is audit-logged with its filter.
import type { PassThrough, Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import ExcelJS from 'exceljs';
import type { DailyReportResponse, UncollectedStudent } from '../../domain/admin-api.js';
import { can } from '../../domain/roles.js';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { OrgRepository, OrgUnit } from '../repositories/org.repository.js';
import type { PhotoRepository } from '../repositories/photo.repository.js';
import type { StorageRepository } from '../repositories/storage.repository.js';
import type { StudentRepository, UncollectedRow } from '../repositories/student.repository.js';
import { type AdminPrincipal, scopeOf } from './admin-auth.service.js';
import { maskPhone } from './id-number.js';
import { createXlsxWriter, XLSX_SHEET_MAX_ROWS } from './xlsx-writer.js';

const PAGE_ROWS = 5000;
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
  pageSize?: { page: number; scan: number; sheetRows: number };
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
        { header: '学习中心', width: 24 },
        { header: '入学学期', width: 10 },
        { header: '手机', width: 14 },
        { header: '状态', width: 10 },
      ];
      // HQ reads every student: blocks of students joined with their submissions, several blocks
      // in flight so that a PostgreSQL server works on them in parallel while this process writes.
      // A branch or a centre is a thin slice of the id range, read through its own index and
      // probed per student, one page ahead.
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
      const xlsx = createXlsxWriter(out);
      try {
        let sheetNo = 1;
        await xlsx.addSheet('未采集名单', columns);
        let count = 0;
        for await (const rows of pages()) {
          let from = 0;
          while (from < rows.length) {
            // Excel opens at most 1,048,576 rows per sheet: an HQ-wide list continues on further sheets.
            if (xlsx.sheetRows === SHEET_ROWS) await xlsx.addSheet(`未采集名单 (${++sheetNo})`, columns);
            const part = rows.slice(from, from + SHEET_ROWS - xlsx.sheetRows);
            from += part.length;
            await xlsx.addRows(
              part.map((r) => {
                const d = toDto(p, r, names);
                return [
                  d.studentNumber,
                  d.name,
                  d.idNumberMasked,
                  d.centreName,
                  d.intakeSemester,
                  d.phone,
                  d.lastStatus === 'rejected' ? '被退回' : '未提交',
                ];
              }),
            );
          }
          count += rows.length;
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
