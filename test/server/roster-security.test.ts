// Roster import across unit scopes (issue 18, findings 1 and 8): a branch cannot take over another
// branch's student, moves between centres are explicit and audited in both scopes, every import
// is audited where it wrote, and a huge or hostile file is refused without stalling the server.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PassThrough, Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { ROSTER_ERRORS_SHOWN } from '../../src/domain/admin-api.js';
import { idNumberCheckChar } from '../../src/server/services/id-number.js';
import { UNUSABLE_STUDENT_NUMBER } from '../../src/server/services/roster.service.js';
import {
  adminLogins,
  BACKENDS,
  multipart,
  readyPhoto,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const HEADER = '学号,姓名,身份证号,学习中心代码,学籍状态,入学学期,手机';

/** A valid resident ID number (GB 11643 check character) from a 17-digit body. */
function idNumber(body17: string): string {
  return `${body17}${idNumberCheckChar(body17)}`;
}

/** An XLSX file written streaming (200,000 rows in a few seconds, unlike the in-memory writer). */
async function xlsxOf(header: string[], rowCount: number, row: (i: number) => string[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('名单');
  ws.addRow(header).commit();
  for (let i = 0; i < rowCount; i++) ws.addRow(row(i)).commit();
  ws.commit();
  await wb.commit();
  return Buffer.concat(chunks);
}

/** A zip whose one "worksheet" inflates to `mb` megabytes of XML (one huge cell): a zip bomb. */
async function zipBomb(mb: number): Promise<Buffer> {
  const zip = new ZipArchive();
  const chunks: Buffer[] = [];
  zip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    zip.on('end', resolve);
    zip.on('error', reject);
  });
  const text = Buffer.alloc(1024 * 1024, '学号');
  const times = Math.ceil(mb);
  zip.append('<?xml version="1.0"?><Types/>', { name: '[Content_Types].xml' });
  zip.append(
    Readable.from(
      (function* () {
        yield Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>');
        for (let i = 0; i < times; i++) yield text;
        yield Buffer.from('</t></is></c></row></sheetData></worksheet>');
      })(),
    ),
    { name: 'xl/worksheets/sheet1.xml' },
  );
  await zip.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** OS threads of this process (Linux): a worker thread left running would show here. */
function threadCount(): number | undefined {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

describe.each(BACKENDS)('roster import security on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  // Demo student i sits in centre i % 4: B1C1, B1C2 (branch 1), B2C1, B2C2 (branch 2).
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s));
  });
  afterAll(async () => {
    await s?.close();
  });
  const as = (user: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie: cookies[user]! } });
  const importAs = (user: string, body: string | Buffer, name = 'roster.csv', query = '') => {
    const m = multipart('file', name, typeof body === 'string' ? Buffer.from(body) : body);
    return as(user, { method: 'POST', url: `/api/admin/roster${query}`, headers: m.headers, payload: m.payload });
  };
  const audit = async (user: string, action: string) =>
    (await as(user, { method: 'GET', url: `/api/admin/audit?action=${action}&limit=200` })).json().items as {
      action: string;
      adminUsername: string;
      unitId: number;
      studentCount: number;
      detail: Record<string, unknown>;
    }[];
  const verify = (studentNumber: string, id: string) =>
    s.app.inject({ method: 'POST', url: '/api/student/verify', payload: { studentNumber, idNumber: id } });
  const studentRow = async (studentNumber: string) => (await s.ctx.repos.students.byNumber(studentNumber))!;

  it("refuses a branch admin's row that names another branch's student, without saying it exists", async () => {
    const victim = s.demo.students[2]!; // B2C1
    expect(victim.branchId).toBe(s.demo.branchIds[1]);
    const before = await studentRow(victim.studentNumber);
    const attackerId = idNumber('11010519851231002');
    const takeover = `${HEADER}\n${victim.studentNumber},冒名者,${attackerId},B1C1,在籍,2025-2,13800000000\n`;

    // Finding 1 as reported: this row answered 200 {"updated":1} and moved the student.
    const dryRun = await importAs('branch1', takeover);
    expect(dryRun.statusCode).toBe(422);
    const forced = await importAs('branch1', takeover, 'roster.csv', '?acceptGoodRows=true');
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toMatchObject({ imported: true, inserted: 0, updated: 0, moved: 0, rejected: 1 });
    expect(forced.json().errors).toEqual([{ row: 2, column: '学号', reason: UNUSABLE_STUDENT_NUMBER }]);

    const after = await studentRow(victim.studentNumber);
    expect(after).toMatchObject({
      name: before.name,
      centreId: before.centreId,
      branchId: before.branchId,
      idNumberMasked: before.idNumberMasked,
    });
    expect((await verify(victim.studentNumber, victim.idNumber)).statusCode).toBe(200);
    expect((await verify(victim.studentNumber, attackerId)).statusCode).toBe(401);

    // The same answer as for a malformed number: nothing tells the two apart, counts included.
    const malformed = await importAs(
      'branch1',
      `${HEADER}\n26-bad,冒名者,${attackerId},B1C1,在籍,2025-2,13800000000\n`,
      'roster.csv',
      '?acceptGoodRows=true',
    );
    expect(malformed.json()).toEqual(forced.json());
    expect(dryRun.json()).toMatchObject({ imported: false, inserted: 0, updated: 0, rejected: 1, errorCount: 1 });
    expect(JSON.stringify(dryRun.json())).not.toMatch(/存在|其他|exist|another/i);

    // Branch 2 sees that branch 1 named its student; branch 1's own log does not say whose it was.
    const seen = (await audit('branch2', 'roster.import')).filter((e) => e.adminUsername === 'branch1');
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toMatchObject({ unitId: victim.centreId, studentCount: 1, detail: { refused: 1 } });
    for (const e of await audit('branch1', 'roster.import')) expect(e.detail.refused ?? 0).toBe(0);
  });

  it('keeps importing in-scope rows, and audits a changed centre as a move in both centres', async () => {
    const st = s.demo.students[4]!; // B1C1
    const csv = `${HEADER}\n${st.studentNumber},${st.name},${st.idNumber},B1C2,在籍,2025-2,\n`;
    const res = await importAs('branch1', csv);
    expect(res.json()).toMatchObject({ imported: true, inserted: 0, updated: 1, moved: 1, rejected: 0 });
    expect(await studentRow(st.studentNumber)).toMatchObject({ centreId: s.demo.centreIds[1] });

    // centre1 (B1C1) sees its student leave; the move names both centres.
    const moves = await audit('centre1', 'student.move');
    expect(moves).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          adminUsername: 'branch1',
          unitId: s.demo.centreIds[0],
          studentCount: 1,
          detail: expect.objectContaining({ fromCentre: 'B1C1', toCentre: 'B1C2', via: 'roster' }),
        }),
      ]),
    );
    // Putting the student back is a move again; re-importing the same row is not.
    await importAs('branch1', `${HEADER}\n${st.studentNumber},${st.name},${st.idNumber},B1C1,在籍,2025-2,\n`);
    const again = await importAs(
      'branch1',
      `${HEADER}\n${st.studentNumber},${st.name},${st.idNumber},B1C1,在籍,2025-2,\n`,
    );
    expect(again.json()).toMatchObject({ updated: 1, moved: 0 });
  });

  it('audits an import in the scope of every unit it wrote to', async () => {
    const b2 = s.demo.students[3]!; // B2C2
    const b1 = s.demo.students[1]!; // B1C2
    const csv = [
      HEADER,
      `${b2.studentNumber},${b2.name},${b2.idNumber},B2C2,在籍,2025-2,`,
      `${b1.studentNumber},${b1.name},${b1.idNumber},B1C2,在籍,2025-2,`,
      `2699100001,新同学,${idNumber('11010119900307425')},B2C1,在籍,2026-1,`,
    ].join('\n');
    const res = await importAs('hq', csv, 'hq-roster.csv');
    expect(res.json()).toMatchObject({ imported: true, inserted: 1, updated: 2 });
    // Before: one entry in HQ's own scope, invisible to the branches.
    const inB2 = (await audit('branch2', 'roster.import')).filter((e) => e.detail.filename === 'hq-roster.csv');
    expect(inB2.map((e) => e.unitId).sort()).toEqual([s.demo.centreIds[2], s.demo.centreIds[3]].sort());
    expect(inB2.reduce((n, e) => n + e.studentCount, 0)).toBe(2);
    const inB1 = (await audit('branch1', 'roster.import')).filter((e) => e.detail.filename === 'hq-roster.csv');
    expect(inB1).toHaveLength(1);
    expect(inB1[0]).toMatchObject({ unitId: s.demo.centreIds[1], detail: { updated: 1, inserted: 0 } });
    const inC3 = (await audit('centre3', 'roster.import')).filter((e) => e.detail.filename === 'hq-roster.csv');
    expect(inC3).toHaveLength(1);
  });

  it('moves a student explicitly only within the scope; outside it the student is "not found"', async () => {
    const st = s.demo.students[8]!; // B1C1
    const cookie = await studentLogin(s, 8);
    const photoId = await readyPhoto(s, 8, 'warn');
    expect((await submitPhoto(s, cookie, photoId, 'blue')).statusCode).toBe(200);
    const move = (user: string, sn: string, centreCode: string) =>
      as(user, { method: 'POST', url: `/api/admin/students/${sn}/move`, payload: { centreCode } });

    const unknown = await move('branch1', '2699999999', 'B1C2');
    const foreign = await move('branch1', s.demo.students[2]!.studentNumber, 'B1C2');
    expect(unknown.statusCode).toBe(404);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toEqual(unknown.json());
    expect((await move('branch1', st.studentNumber, 'B2C1')).json().code).toBe('auth.out_of_scope');
    expect((await move('branch1', st.studentNumber, 'B1')).json().code).toBe('student.move_target');
    expect((await move('centre1', st.studentNumber, 'B1C2')).statusCode).toBe(403);

    const ok = await move('branch1', st.studentNumber, 'B1C2');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ moved: true, from: { code: 'B1C1' }, to: { code: 'B1C2' } });
    expect(await studentRow(st.studentNumber)).toMatchObject({ centreId: s.demo.centreIds[1] });
    // The submission follows: the new centre's queue and exports hold it.
    const sub = await rows<{ centre_id: number }>(
      s.database.db,
      sql`SELECT centre_id FROM submissions WHERE student_id = ${st.id}`,
    );
    expect(sub).toEqual([{ centre_id: s.demo.centreIds[1] }]);
    expect((await move('branch1', st.studentNumber, 'B1C2')).json()).toMatchObject({ moved: false });

    // HQ moves across branches: both branches see it.
    expect((await move('hq', st.studentNumber, 'B2C1')).json()).toMatchObject({ moved: true });
    for (const user of ['branch1', 'branch2']) {
      const entries = (await audit(user, 'student.move')).filter(
        (e) => e.adminUsername === 'hq' && e.detail.via === 'move',
      );
      expect(entries).toHaveLength(1);
      expect(entries[0]!.detail).toMatchObject({ fromCentre: 'B1C2', toCentre: 'B2C1' });
    }
    // Now in branch 2: branch 1 may no longer touch it.
    expect((await move('branch1', st.studentNumber, 'B1C1')).statusCode).toBe(404);
  });

  it('lists the first 1,000 row errors and counts them all', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 3000; i++) lines.push(`26990${String(i).padStart(5, '0')},,,B1C1,在籍,2025-2,`);
    const res = await importAs('hq', lines.join('\n'));
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.errors).toHaveLength(ROSTER_ERRORS_SHOWN);
    expect(body).toMatchObject({ imported: false, total: 3000, rejected: 3000, errorCount: 6000 });
    expect(body.errors[0]).toEqual({ row: 2, column: '姓名', reason: '不能为空' });
    expect(res.body.length).toBeLessThan(100_000);
  });

  it('refuses a 200,000-row roster (CSV and XLSX) whole, with a small answer, while /healthz is served', async () => {
    const row = (i: number) => [
      `27${String(i).padStart(8, '0')}`,
      `学生${i}`,
      idNumber(`110101199003${String(i % 100000).padStart(5, '0')}`),
      'B1C1',
      '在籍',
      '2025-2',
      '',
    ];
    const csv = [HEADER, ...Array.from({ length: 200_000 }, (_, i) => row(i).join(','))].join('\n');
    const xlsx = await xlsxOf(HEADER.split(','), 200_000, row);
    // One small file first, so threads the process starts once (libuv's pool) are counted before.
    expect((await importAs('hq', await xlsxOf(HEADER.split(','), 1, row), 'one.xlsx')).statusCode).toBe(422);
    const threadsBefore = threadCount();
    for (const [name, file] of [
      ['big.csv', Buffer.from(csv)],
      ['big.xlsx', xlsx],
    ] as const) {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      let settled = false;
      const pending = importAs('hq', file, name).finally(() => {
        settled = true;
      });
      let answeredMeanwhile = 0;
      while (!settled) {
        const h = await s.app.inject({ method: 'GET', url: '/healthz' });
        if (h.statusCode === 200 && !settled) answeredMeanwhile++;
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await pending;
      delay.disable();
      console.log(
        `${name} (${(file.length / 1e6).toFixed(1)} MB): event loop delay max ${(delay.max / 1e6).toFixed(0)} ms, ` +
          `p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms; /healthz answered ${answeredMeanwhile}× meanwhile`,
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('roster.too_many_rows');
      expect(res.body.length).toBeLessThan(100_000);
      expect(answeredMeanwhile).toBeGreaterThan(0);
    }
    expect(await s.ctx.repos.students.byNumber('2700000000')).toBeUndefined();
    // Each file's thread was ended with its answer.
    const threadsAfter = threadCount();
    if (threadsBefore !== undefined && threadsAfter !== undefined)
      expect(threadsAfter).toBeLessThanOrEqual(threadsBefore);
  });

  it('refuses an XLSX that unzips to too much XML before reading it', async () => {
    const bomb = await zipBomb(90);
    expect(bomb.length).toBeLessThan(2_000_000);
    const res = await importAs('hq', bomb, 'bomb.xlsx');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('roster.too_large');
    // A real roster of the same shape under the cap still imports.
    const st = s.demo.students[5]!;
    const ok = await xlsxOf(['学号', '姓名', '身份证号', '学习中心代码', '入学学期'], 1, () => [
      st.studentNumber,
      st.name,
      st.idNumber,
      'B1C2',
      '2025-2',
    ]);
    expect((await importAs('hq', ok, 'ok.xlsx')).json()).toMatchObject({ imported: true, updated: 1 });
  });

  it('refuses a damaged XLSX as unreadable (415), and reads the whole file after it', async () => {
    const st = s.demo.students[6]!;
    const row = () => [st.studentNumber, st.name, st.idNumber, 'B1C2', '2025-2'];
    const whole = await xlsxOf(['学号', '姓名', '身份证号', '学习中心代码', '入学学期'], 1, row);
    // Cut inside the zip: the local headers are there, the entries and the central directory are not.
    for (const cut of [Math.floor(whole.length / 2), whole.length - 30]) {
      const res = await importAs('hq', whole.subarray(0, cut), 'cut.xlsx');
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('roster.unsupported_type');
    }
    expect((await importAs('hq', whole, 'whole.xlsx')).json()).toMatchObject({ imported: true });
  });
});
