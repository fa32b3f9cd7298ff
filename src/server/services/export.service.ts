// Streamed exports: rows are read in keyset pages and written as they come, so an HQ-wide export
// of millions of students keeps memory flat. Every export is audit-logged with its filter.
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

const PAGE = 5000;
const SHEET_ROWS = 1_000_000;

export function createExportService(deps: {
  students: StudentRepository;
  photos: PhotoRepository;
  units: OrgRepository;
  storage: StorageRepository;
  audit: AuditRepository;
}) {
  const { students, photos, units, storage, audit } = deps;

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
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
      const columns = [
        { header: '学号', key: 'studentNumber', width: 16 },
        { header: '姓名', key: 'name', width: 10 },
        { header: '身份证号', key: 'idNumberMasked', width: 22 },
        { header: '学习中心', key: 'centreName', width: 24 },
        { header: '入学学期', key: 'intakeSemester', width: 10 },
        { header: '手机', key: 'phone', width: 14 },
        { header: '状态', key: 'state', width: 10 },
      ];
      // Excel opens at most 1,048,576 rows per sheet: an HQ-wide list continues on further sheets.
      let sheetNo = 1;
      let inSheet = 0;
      let ws = wb.addWorksheet('未采集名单');
      ws.columns = columns;
      let after = 0;
      let count = 0;
      for (;;) {
        const rows = await students.uncollectedPage(campaignId, scopeOf(unit), after, PAGE);
        for (const r of rows) {
          if (inSheet === SHEET_ROWS) {
            ws.commit();
            ws = wb.addWorksheet(`未采集名单 (${++sheetNo})`);
            ws.columns = columns;
            inSheet = 0;
          }
          inSheet++;
          const d = toDto(p, r, names);
          ws.addRow({ ...d, phone: d.phone ?? '', state: d.lastStatus === 'rejected' ? '被退回' : '未提交' }).commit();
        }
        count += rows.length;
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.id;
        // Let the HTTP stream drain before reading the next page.
        if (out.writableNeedDrain) await new Promise((r) => out.once('drain', r));
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
      ws.commit();
      await wb.commit();
      return count;
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
