// The uncollected-students XLSX, streamed: the rows are exactly the scope's enrolled students with
// no live submission and no exemption (computed here by a plain query), in student-number order of
// ids, across pages and sheets; personal data is masked as in the JSON list.
import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import type { AdminPrincipal } from '../../src/server/services/admin-auth.service.js';
import { createExportService } from '../../src/server/services/export.service.js';
import { maskPhone } from '../../src/server/services/id-number.js';
import { adminLogins, BACKENDS, startServer, type TestServer } from './harness.js';

const MASKED_ID = /^\d{4}\*{10}[\dX]{4}$/;
const MASKED_PHONE = /^\d{3}\*{4}\d{4}$/;
const HEADER = ['学号', '姓名', '身份证号', '学习中心', '入学学期', '手机', '状态'];

async function sheets(buf: Buffer): Promise<string[][][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb.worksheets.map((ws) => {
    const out: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (row) => {
      const cells: string[] = [];
      for (let c = 1; c <= HEADER.length; c++) cells.push(String(row.getCell(c).value ?? ''));
      out.push(cells);
    });
    return out;
  });
}

describe.each(BACKENDS)('uncollected students XLSX on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  let expected: (unitFilter?: { branchId?: number; centreId?: number }) => Promise<Expected[]>;
  interface Expected {
    student_number: string;
    status: string | null;
    branch_id: number;
    centre_id: number;
    phone: string | null;
  }

  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 400 });
    Object.assign(cookies, await adminLogins(s, ['hq', 'branch1', 'centre1']));
    const db = s.database.db;
    const cid = s.demo.campaignId;
    // Every state the export must tell apart: approved, waiting for review and rejected
    // submissions, an exemption, a suspended student; and a name that needs escaping in XML.
    await db.execute(sql`
      INSERT INTO photos (student_id, campaign_id, status, spec_id, verdict, background, backgrounds, progress)
      SELECT id, ${cid},
             CASE WHEN id % 3 = 0 THEN 'approved' WHEN id % 3 = 1 THEN 'needs_review' ELSE 'rejected' END,
             'chsi', 'pass', 'blue', ARRAY['blue'], 1
      FROM students WHERE id % 2 = 0`);
    await db.execute(sql`
      INSERT INTO submissions (campaign_id, student_id, photo_id, status, centre_id, branch_id, submitted_at)
      SELECT p.campaign_id, p.student_id, p.id, p.status, st.centre_id, st.branch_id, now()
      FROM photos p JOIN students st ON st.id = p.student_id
      WHERE p.campaign_id = ${cid}
      ON CONFLICT DO NOTHING`);
    await db.execute(sql`
      INSERT INTO exemptions (campaign_id, student_id, photo_id)
      SELECT ${cid}, id, gen_random_uuid() FROM students WHERE id % 10 = 5`);
    await db.execute(sql`UPDATE students SET enrolment_status = 'suspended' WHERE id % 11 = 3`);
    await db.execute(sql`UPDATE students SET name = 'A<&>' || chr(7) || 'Z' WHERE id = 7`);
    expected = (f = {}) =>
      rows<Expected>(
        db,
        sql`SELECT st.student_number, sub.status, st.branch_id, st.centre_id, st.phone
            FROM students st
            LEFT JOIN submissions sub ON sub.campaign_id = ${cid} AND sub.student_id = st.id
            WHERE st.enrolment_status = 'enrolled'
              AND (sub.status IS NULL OR sub.status = 'rejected')
              AND NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.campaign_id = ${cid} AND e.student_id = st.id)
              ${f.branchId !== undefined ? sql`AND st.branch_id = ${f.branchId}` : sql``}
              ${f.centreId !== undefined ? sql`AND st.centre_id = ${f.centreId}` : sql``}
            ORDER BY st.id`,
      );
  });
  afterAll(async () => {
    await s?.close();
  });

  const download = async (who: string, unitId: number): Promise<string[][][]> => {
    const r = await s.app.inject({
      method: 'GET',
      url: `/api/admin/units/${unitId}/uncollected?format=xlsx`,
      headers: { cookie: cookies[who]! },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toMatch(/spreadsheetml/);
    return sheets(r.rawPayload);
  };

  it('HQ: every uncollected student of the university, masked, once, in order', async () => {
    const want = await expected();
    expect(want.length).toBeGreaterThan(100);
    expect(want.some((w) => w.status === 'rejected')).toBe(true);
    const [sheet, ...more] = await download('hq', s.demo.hqId);
    expect(more).toEqual([]);
    expect(sheet![0]).toEqual(HEADER);
    const body = sheet!.slice(1);
    expect(body.map((r) => r[0])).toEqual(want.map((w) => w.student_number));
    expect(body.map((r) => r[6])).toEqual(want.map((w) => (w.status === 'rejected' ? '被退回' : '未提交')));
    expect(body.every((r) => MASKED_ID.test(r[2]!))).toBe(true);
    // HQ sees phones masked, the same ones as in the database.
    const phones = body.map((r) => r[5]).filter((p) => p);
    expect(phones.length).toBe(want.filter((w) => w.phone).length);
    expect(phones.every((p) => MASKED_PHONE.test(p!))).toBe(true);
    // Markup in a name is text; characters XML cannot carry are dropped.
    const [seven] = await rows<{ student_number: string }>(
      s.database.db,
      sql`SELECT student_number FROM students WHERE id = 7`,
    );
    const row7 = body.find((r) => r[0] === seven!.student_number);
    expect(row7?.[1]).toBe('A<&>Z');
  });

  it('a branch gets its own students only, a centre its own with phones in full', async () => {
    const branch1 = s.demo.admins.find((a) => a.username === 'branch1')!.unitId;
    const b = (await download('branch1', branch1))[0]!.slice(1);
    const wantB = await expected({ branchId: branch1 });
    expect(wantB.length).toBeGreaterThan(10);
    expect(b.map((r) => r[0])).toEqual(wantB.map((w) => w.student_number));
    const centre1 = s.demo.admins.find((a) => a.username === 'centre1')!.unitId;
    const c = (await download('centre1', centre1))[0]!.slice(1);
    const wantC = await expected({ centreId: centre1 });
    expect(c.map((r) => r[0])).toEqual(wantC.map((w) => w.student_number));
    expect(c.map((r) => r[5])).toEqual(wantC.map((w) => w.phone ?? ''));
    // A branch asking for HQ's list is refused.
    const r = await s.app.inject({
      method: 'GET',
      url: `/api/admin/units/${s.demo.hqId}/uncollected?format=xlsx`,
      headers: { cookie: cookies.branch1! },
    });
    expect(r.statusCode).toBe(403);
  });

  it('pages and sheets join up: small pages, sheets of 50 rows, the same students', async () => {
    const want = await expected();
    const { repos } = s.ctx;
    const hq = (await repos.units.all()).find((u) => u.level === 'hq')!;
    const branch = (await repos.units.all()).find((u) => u.level === 'branch')!;
    const svc = createExportService({
      students: repos.students,
      photos: repos.photos,
      units: repos.units,
      storage: s.ctx.storage,
      audit: repos.audit,
      pageSize: { page: 7, scan: 9, sheetRows: 50 },
    });
    const admin = await repos.admins.byUsername('hq');
    const principal = { admin, unit: hq } as AdminPrincipal;
    for (const [unit, wantRows] of [
      [hq, want],
      [branch, await expected({ branchId: branch.id })],
    ] as const) {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const done = new Promise((r) => out.on('end', r));
      const n = await svc.uncollectedXlsx(principal, s.demo.campaignId, unit, out);
      await done;
      expect(n).toBe(wantRows.length);
      const book = await sheets(Buffer.concat(chunks));
      expect(book.length).toBe(Math.ceil(wantRows.length / 49));
      for (const sh of book) {
        expect(sh[0]).toEqual(HEADER);
        expect(sh.length).toBeLessThanOrEqual(50);
      }
      expect(book.flatMap((sh) => sh.slice(1).map((r) => r[0]))).toEqual(wantRows.map((w) => w.student_number));
    }
  });

  // Last: it gives students names and phones the tests above do not expect.
  it('every value arrives as stored: escaped markup, emoji, escapes of COPY, masked phones, across blocks and sheets', async () => {
    const db = s.database.db;
    const cid = s.demo.campaignId;
    // Values every path of the writer must carry: markup and a control character (escaped and
    // dropped), an emoji (a surrogate pair), tab, newline and backslash (escaped by COPY on a
    // PostgreSQL server), U+FFFF (dropped); phones that mask by bytes and by string (spaces,
    // full-width digits, too short); two semesters alternating.
    await db.execute(sql`UPDATE students SET name = '张😀三 & <b>x</b>' WHERE id = 9`);
    await db.execute(
      sql`UPDATE students SET name = 'tab' || chr(9) || 'here back' || chr(92) || 'slash' || chr(10) || 'line' WHERE id = 11`,
    );
    await db.execute(sql`UPDATE students SET name = 'no' || chr(65535) || 'char', phone = '12345' WHERE id = 13`);
    await db.execute(sql`UPDATE students SET phone = ' 138 0000 1111 ' WHERE id = 19`);
    await db.execute(sql`UPDATE students SET phone = '１３８００００１１１１' WHERE id = 17`);
    await db.execute(sql`UPDATE students SET intake_semester = '2024-1' WHERE id % 4 = 1`);
    const want = await rows<{
      student_number: string;
      name: string;
      id_number_masked: string;
      centre: string;
      intake_semester: string;
      phone: string | null;
      status: string | null;
    }>(
      db,
      sql`SELECT st.student_number, st.name, st.id_number_masked, u.name AS centre, st.intake_semester, st.phone,
                 sub.status
          FROM students st
          JOIN org_units u ON u.id = st.centre_id
          LEFT JOIN submissions sub ON sub.campaign_id = ${cid} AND sub.student_id = st.id
          WHERE st.enrolment_status = 'enrolled'
            AND (sub.status IS NULL OR sub.status = 'rejected')
            AND NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.campaign_id = ${cid} AND e.student_id = st.id)
          ORDER BY st.id`,
    );
    const names = new Map(want.map((w) => [w.student_number, w.name]));
    for (const id of [9, 11, 13, 17, 19]) {
      const [r] = await rows<{ student_number: string }>(db, sql`SELECT student_number FROM students WHERE id = ${id}`);
      expect(names.has(r!.student_number), `student ${id} is uncollected`).toBe(true);
    }
    // What Excel shows: characters XML 1.0 cannot carry are dropped, nothing else changes.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the writer drops
    const dropped = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
    const expectedRows = want.map((w) => [
      w.student_number,
      w.name.replace(dropped, ''),
      w.id_number_masked,
      w.centre,
      w.intake_semester,
      w.phone ? maskPhone(w.phone) : '',
      w.status === 'rejected' ? '被退回' : '未提交',
    ]);
    expect(expectedRows.some((r) => r[1] === '张😀三 & <b>x</b>')).toBe(true);
    expect(expectedRows.some((r) => r[1] === 'tab\there back\\slash\nline')).toBe(true);
    expect(expectedRows.some((r) => r[1] === 'nochar' && r[5] === '*****')).toBe(true);
    expect(expectedRows.some((r) => r[5] === '138******1111')).toBe(true);
    expect(expectedRows.some((r) => r[5] === '１３８****１１１１')).toBe(true);

    const { repos } = s.ctx;
    const hq = (await repos.units.all()).find((u) => u.level === 'hq')!;
    const admin = await repos.admins.byUsername('hq');
    // Small pages (PGlite) and 64-byte COPY blocks (PostgreSQL): rows cut between reads.
    const svc = createExportService({
      students: repos.students,
      photos: repos.photos,
      units: repos.units,
      storage: s.ctx.storage,
      audit: repos.audit,
      pageSize: { page: 7, scan: 9, sheetRows: 40, copyBlock: 64 },
    });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const done = new Promise((r) => out.on('end', r));
    const n = await svc.uncollectedXlsx({ admin, unit: hq } as AdminPrincipal, cid, hq, out);
    await done;
    expect(n).toBe(want.length);
    const book = await sheets(Buffer.concat(chunks));
    expect(book.length).toBe(Math.ceil(want.length / 39));
    for (const sh of book) expect(sh[0]).toEqual(HEADER);
    expect(book.flatMap((sh) => sh.slice(1))).toEqual(expectedRows);
  });
});
