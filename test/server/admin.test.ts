import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { can, PERMISSIONS, type Permission } from '../../src/domain/roles.js';
import { idNumberCheckChar } from '../../src/server/services/id-number.js';
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

async function xlsxRows(buf: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const out: string[][] = [];
  wb.worksheets[0]!.eachRow((r) => {
    out.push((r.values as unknown[]).slice(1).map((v) => String(v ?? '')));
  });
  return out;
}

describe.each(BACKENDS)('admin API on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  // Students 0..3 sit in centres C1..C4 (C1, C2 in branch 1; C3, C4 in branch 2).
  const photo: Record<string, string> = {};
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s));
    for (const [i, verdict] of [
      [0, 'warn'],
      [2, 'warn'],
      [4, 'pass'],
      [8, 'warn'],
    ] as const) {
      const cookie = await studentLogin(s, i);
      const id = await readyPhoto(s, i, verdict);
      const r = await submitPhoto(s, cookie, id, 'blue');
      expect(r.statusCode).toBe(200);
      photo[i] = id;
    }
  });
  afterAll(async () => {
    await s?.close();
  });
  const as = (user: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie: cookies[user]! } });
  const unit = (name: 'HQ' | 'B1' | 'B2' | 'C1' | 'C3') =>
    ({
      HQ: s.demo.hqId,
      B1: s.demo.branchIds[0]!,
      B2: s.demo.branchIds[1]!,
      C1: s.demo.centreIds[0]!,
      C3: s.demo.centreIds[2]!,
    })[name];

  it('signs in with the password only, and refuses others with one message', async () => {
    const bad = await s.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      payload: { username: 'hq', password: 'x' },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('auth.invalid_credentials');
    const unknown = await s.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      payload: { username: 'nobody', password: 'x' },
    });
    expect(unknown.json()).toEqual(bad.json());
    const me = await as('branch1', { method: 'GET', url: '/api/admin/me' });
    expect(me.json()).toMatchObject({ role: 'branch', unit: { id: unit('B1'), level: 'branch' } });
    const anon = await s.app.inject({ method: 'GET', url: '/api/admin/progress' });
    expect(anon.statusCode).toBe(401);
    const student = await studentLogin(s, 30);
    const crossed = await s.app.inject({
      method: 'GET',
      url: '/api/admin/me',
      headers: { cookie: student.replace('kz_sid', 'kz_admin') },
    });
    expect(crossed.statusCode).toBe(401);
  });

  it('rolls progress up the tree and scopes it', async () => {
    const hq = (await as('hq', { method: 'GET', url: '/api/admin/progress' })).json();
    const root = hq.root;
    expect(root.level).toBe('hq');
    expect(root.children).toHaveLength(2);
    const enrolled = (
      await rows<{ n: number }>(
        s.database.db,
        sql`SELECT count(*)::int AS n FROM students WHERE enrolment_status = 'enrolled'`,
      )
    )[0]!.n;
    expect(root.enrolled).toBe(enrolled);
    expect(root).toMatchObject({ submitted: 4, approved: 1, needsReview: 3, rejected: 0 });
    expect(root.uncollected).toBe(root.required - 4);
    expect(root.children[0].children.length + root.children[1].children.length).toBe(4);
    const sum = root.children.reduce((a: number, b: { enrolled: number }) => a + b.enrolled, 0);
    expect(sum).toBe(root.enrolled);
    const b1 = (await as('branch1', { method: 'GET', url: '/api/admin/progress' })).json().root;
    expect(b1.id).toBe(unit('B1'));
    // Students 0, 4 and 8 are in C1 (branch 1); student 2 is in C3.
    expect(b1.submitted).toBe(3);
    const c1 = (await as('centre1', { method: 'GET', url: '/api/admin/progress' })).json().root;
    expect(c1).toMatchObject({ id: unit('C1'), submitted: 3, children: [] });
    const daily = (await as('hq', { method: 'GET', url: '/api/admin/progress/daily' })).json();
    expect(daily.days).toHaveLength(1);
    expect(daily.days[0]).toMatchObject({ submitted: 4, approved: 1 });
  });

  it('lists and exports uncollected students of a centre, masked, and audits the export', async () => {
    const c1 = unit('C1');
    const page = (await as('centre1', { method: 'GET', url: `/api/admin/units/${c1}/uncollected?limit=10` })).json();
    expect(page.items).toHaveLength(10);
    expect(page.next).toBeGreaterThan(0);
    const numbers = new Set<string>();
    let after = 0;
    for (;;) {
      const r = (
        await as('centre1', { method: 'GET', url: `/api/admin/units/${c1}/uncollected?limit=7&after=${after}` })
      ).json();
      for (const i of r.items) numbers.add(i.studentNumber);
      if (r.next === null) break;
      after = r.next;
    }
    const tree = (await as('centre1', { method: 'GET', url: '/api/admin/progress' })).json().root;
    expect(numbers.size).toBe(tree.uncollected);
    expect(numbers.has(s.demo.students[0]!.studentNumber)).toBe(false);
    expect(numbers.has(s.demo.students[12]!.studentNumber)).toBe(true);
    const x = await as('centre1', { method: 'GET', url: `/api/admin/units/${c1}/uncollected?format=xlsx` });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toMatch(/spreadsheetml/);
    const table = await xlsxRows(x.rawPayload);
    expect(table[0]).toEqual(['学号', '姓名', '身份证号', '学习中心', '入学学期', '手机', '状态']);
    expect(table.length - 1).toBe(tree.uncollected);
    expect(table.slice(1).every((r) => /^\d{4}\*{10}[\dX]{4}$/.test(r[2]!))).toBe(true);
    const audit = await rows<{ action: string; student_count: number }>(
      s.database.db,
      sql`SELECT action, student_count FROM audit_log WHERE action = 'export.uncollected'`,
    );
    expect(audit).toEqual([{ action: 'export.uncollected', student_count: tree.uncollected }]);
  });

  it('reviews: queue with report, reject with a reason the student sees, approve', async () => {
    const q = (await as('reviewer1', { method: 'GET', url: '/api/admin/reviews' })).json();
    // Branch 1 holds students 0 and 8 with warnings; student 2's is in branch 2.
    expect(q.items.map((i: { photoId: string }) => i.photoId).sort()).toEqual([photo[0], photo[8]].sort());
    expect(q.items[0].report.length).toBe(2);
    const img = await as('reviewer1', { method: 'GET', url: q.items[0].photoUrl });
    expect(img.statusCode).toBe(200);
    const noReason = await as('reviewer1', {
      method: 'POST',
      url: `/api/admin/reviews/${photo[0]}`,
      payload: { decision: 'reject' },
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().code).toBe('photo.reason_required');
    const outOfScope = await as('reviewer1', {
      method: 'POST',
      url: `/api/admin/reviews/${photo[2]}`,
      payload: { decision: 'approve' },
    });
    expect(outOfScope.statusCode).toBe(404);
    const rej = await as('reviewer1', {
      method: 'POST',
      url: `/api/admin/reviews/${photo[0]}`,
      payload: { decision: 'reject', reason: '头发遮挡眉毛，请整理后重拍' },
    });
    expect(rej.json()).toEqual({ photoId: photo[0], status: 'rejected' });
    const twice = await as('reviewer1', {
      method: 'POST',
      url: `/api/admin/reviews/${photo[0]}`,
      payload: { decision: 'approve' },
    });
    expect(twice.statusCode).toBe(409);
    expect(
      (await as('hq', { method: 'POST', url: `/api/admin/reviews/${photo[8]}`, payload: { decision: 'approve' } }))
        .statusCode,
    ).toBe(200);

    const cookie = await studentLogin(s, 0);
    const hist = (await s.app.inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } })).json();
    expect(hist.items[0]).toMatchObject({ status: 'rejected', rejectionReason: '头发遮挡眉毛，请整理后重拍' });
    const me = (await s.app.inject({ method: 'GET', url: '/api/student/me', headers: { cookie } })).json();
    expect(me.state).toBe('todo');
    const c1 = (await as('centre1', { method: 'GET', url: '/api/admin/progress' })).json().root;
    expect(c1).toMatchObject({ submitted: 2, approved: 2, needsReview: 0, rejected: 1 });
    const un = (
      await as('centre1', { method: 'GET', url: `/api/admin/units/${unit('C1')}/uncollected?limit=1000` })
    ).json();
    expect(
      un.items.find((i: { studentNumber: string }) => i.studentNumber === s.demo.students[0]!.studentNumber),
    ).toMatchObject({
      lastStatus: 'rejected',
    });
    const again = await readyPhoto(s, 0, 'pass');
    const resubmit = await submitPhoto(s, cookie, again, 'white');
    expect(resubmit.json().status).toBe('approved');
    const after = (await as('centre1', { method: 'GET', url: '/api/admin/progress' })).json().root;
    expect(after).toMatchObject({ submitted: 3, approved: 3, rejected: 0 });
  });

  it('writes the daily report as JSON and XLSX', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const r = (await as('hq', { method: 'GET', url: `/api/admin/reports/daily?date=${today}` })).json();
    expect(r.rows.map((x: { level: string }) => x.level)).toEqual([
      'hq',
      'branch',
      'branch',
      'centre',
      'centre',
      'centre',
      'centre',
    ]);
    expect(r.rows[0].day.submitted).toBeGreaterThanOrEqual(4);
    const x = await as('branch2', { method: 'GET', url: `/api/admin/reports/daily?date=${today}&format=xlsx` });
    const table = await xlsxRows(x.rawPayload);
    expect(table).toHaveLength(1 + 3);
    expect(table[1]![1]).toBe('广东分部');
    const bad = await as('hq', { method: 'GET', url: '/api/admin/reports/daily?date=yesterday' });
    expect(bad.statusCode).toBe(400);
  });

  it('exports approved photos as a zip named by student number', async () => {
    const r = await as('branch1', { method: 'GET', url: '/api/admin/exports/photos' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    const body = r.rawPayload;
    expect(body.subarray(0, 2).toString()).toBe('PK');
    const approved = await rows<{ student_number: string }>(
      s.database.db,
      sql`SELECT st.student_number FROM submissions sub JOIN students st ON st.id = sub.student_id
          WHERE sub.status = 'approved' AND sub.branch_id = ${unit('B1')}`,
    );
    expect(approved.length).toBeGreaterThan(0);
    for (const a of approved) expect(body.includes(Buffer.from(`${a.student_number}.jpg`))).toBe(true);
    expect(body.includes(Buffer.from(`${s.demo.students[2]!.studentNumber}.jpg`))).toBe(false);
  });

  it('imports a roster: every bad row reported, nothing imported unless asked, idempotent', async () => {
    const good1 = s.demo.students[50]!;
    const csv = [
      '学号,姓名,身份证号,学习中心代码,学籍状态,入学学期,手机',
      `${good1.studentNumber},${good1.name},${good1.idNumber},B1C1,在籍,2025-2,13800000000`,
      '2699000001,新同学,110101199003074258,B1C2,在籍,2026-1,',
      '2699000002,,110101199003074251,B1C2,在籍,2026-1,',
      '2699000003,王五,11010119900307425X,NOPE,在籍,2026-1,12345',
      '"2699000001",重复,110101199003074258,B1C2,在籍,2026-1,',
    ].join('\n');
    const send = (user: string, body: string | Buffer, name: string, query = '') => {
      const m = multipart('file', name, typeof body === 'string' ? Buffer.from(body) : body);
      return as(user, { method: 'POST', url: `/api/admin/roster${query}`, headers: m.headers, payload: m.payload });
    };
    const refused = await send('hq', csv, 'roster.csv');
    expect(refused.statusCode).toBe(422);
    const body = refused.json();
    expect(body).toMatchObject({ code: 'roster.invalid', imported: false, inserted: 0, rejected: 3 });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { row: 4, column: '姓名', reason: '不能为空' },
        { row: 4, column: '身份证号', reason: '格式或校验位不正确' },
        { row: 5, column: '学习中心代码', reason: '学习中心代码不存在' },
        { row: 5, column: '手机', reason: '手机号应为 11 位数字' },
        { row: 6, column: '学号', reason: '与第 3 行学号重复' },
      ]),
    );
    expect(JSON.stringify(body)).not.toContain('110101199003074258');
    expect(await s.ctx.repos.students.byNumber('2699000001')).toBeUndefined();

    const partial = await send('hq', csv, 'roster.csv', '?acceptGoodRows=true');
    expect(partial.json()).toMatchObject({ imported: true, inserted: 1, updated: 1, rejected: 3 });
    const added = await s.ctx.repos.students.byNumber('2699000001');
    expect(added).toMatchObject({ name: '新同学', idNumberMasked: '1101**********4258', intakeSemester: '2026-1' });
    expect(Buffer.from(added!.idNumberEnc).toString('latin1')).not.toContain('110101199003074258');
    expect(s.ctx.cipher.decrypt(added!.idNumberEnc)).toBe('110101199003074258');

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名单');
    ws.addRow(['学号', '姓名', '身份证号', '学习中心代码', '入学学期']);
    ws.addRow(['2699000001', '新同学', '110101199003074258', 'B1C2', '2026-1']);
    ws.addRow(['2699000009', '赵六', `11010519851231002${idNumberCheckChar('11010519851231002')}`, 'B2C1', '2025-1']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const byBranch1 = await send('branch1', xlsx, 'roster.xlsx');
    expect(byBranch1.statusCode).toBe(422);
    expect(byBranch1.json().errors).toEqual([
      { row: 3, column: '学习中心代码', reason: '该学习中心不在您的管理范围内' },
    ]);
    const byHq = await send('hq', xlsx, 'roster.xlsx');
    expect(byHq.json()).toMatchObject({ imported: true, inserted: 1, updated: 1, rejected: 0 });
    const again = await send('hq', xlsx, 'roster.xlsx');
    expect(again.json()).toMatchObject({ inserted: 0, updated: 2 });
    const tree = (await as('hq', { method: 'GET', url: '/api/admin/progress' })).json().root;
    const enrolled = (
      await rows<{ n: number }>(
        s.database.db,
        sql`SELECT count(*)::int AS n FROM students WHERE enrolment_status = 'enrolled'`,
      )
    )[0]!.n;
    expect(tree.enrolled).toBe(enrolled);
    const notTable = await send('hq', Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0]), 'x.xlsx');
    expect(notTable.statusCode).toBe(415);
    const centre = await send('centre1', xlsx, 'roster.xlsx');
    expect(centre.statusCode).toBe(403);
    expect(centre.json().code).toBe('auth.forbidden');
  });

  it('scopes every endpoint: role × endpoint × in/out of scope', async () => {
    type Want = [number, string | undefined];
    const levelOf = (u: number) =>
      u === unit('HQ') ? 'hq' : u === unit('B1') || u === unit('B2') ? 'branch' : ('centre' as const);
    const endpoints: {
      perm: Permission;
      method?: 'GET' | 'POST' | 'PATCH';
      url: (u: number) => string;
      payload?: (u: number) => object;
      /** The answer in scope (default 200): writes are sent invalid, so the matrix stores nothing. */
      inScope?: (u: number, user: string) => Want;
    }[] = [
      { perm: 'progress', url: (u) => `/api/admin/progress?unitId=${u}` },
      { perm: 'progress', url: (u) => `/api/admin/progress/daily?unitId=${u}` },
      { perm: 'progress', url: (u) => `/api/admin/reports/daily?unitId=${u}` },
      { perm: 'progress', url: (u) => `/api/admin/units/${u}/uncollected?limit=1` },
      { perm: 'progress', url: (u) => `/api/admin/units/${u}/uncollected?format=xlsx` },
      { perm: 'review', url: (u) => `/api/admin/reviews?unitId=${u}` },
      { perm: 'exportPhotos', url: (u) => `/api/admin/exports/photos?unitId=${u}` },
      { perm: 'audit', url: (u) => `/api/admin/audit?unitId=${u}` },
      { perm: 'manageAdmins', url: (u) => `/api/admin/admins?unitId=${u}` },
      {
        perm: 'manageUnits',
        method: 'POST',
        url: () => '/api/admin/units',
        payload: (u) => ({ parentId: u, code: 'not a code!', name: '矩阵测试' }),
        inScope: (u) => [400, levelOf(u) === 'centre' ? 'unit.parent_invalid' : 'unit.code_invalid'],
      },
      {
        perm: 'manageUnits',
        method: 'PATCH',
        url: (u) => `/api/admin/units/${u}`,
        payload: () => ({ name: '   ' }),
        // A branch renames its centres, not itself.
        inScope: (u, user) =>
          user.startsWith('branch') && levelOf(u) === 'branch' ? [403, 'auth.forbidden'] : [400, 'unit.name_required'],
      },
      {
        perm: 'manageAdmins',
        method: 'POST',
        url: () => '/api/admin/admins',
        // An invigilator: the role HQ, branches and centres may all create, so each meets the scope check.
        payload: (u) => ({
          username: 'matrix.x',
          displayName: '矩阵',
          role: 'invigilator',
          unitId: u,
          password: 'short',
        }),
        inScope: (u) => [400, levelOf(u) === 'centre' ? 'admin.password_weak' : 'admin.role_unit_mismatch'],
      },
    ];
    const scopeOf: Record<string, string[]> = {
      hq: ['HQ', 'B1', 'B2', 'C1', 'C3'],
      reviewer: ['HQ', 'B1', 'B2', 'C1', 'C3'],
      branch1: ['B1', 'C1'],
      reviewer1: ['B1', 'C1'],
      branch2: ['B2', 'C3'],
      centre1: ['C1'],
      centre3: ['C3'],
    };
    const before = await rows<{ units: number; admins: number }>(
      s.database.db,
      sql`SELECT (SELECT count(*)::int FROM org_units) AS units, (SELECT count(*)::int FROM admins) AS admins`,
    );
    let checked = 0;
    for (const a of s.demo.admins) {
      for (const e of endpoints) {
        for (const u of ['HQ', 'B1', 'B2', 'C1', 'C3'] as const) {
          const r = await as(a.username, {
            method: e.method ?? 'GET',
            url: e.url(unit(u)),
            payload: e.payload?.(unit(u)),
          });
          const allowed = (PERMISSIONS[e.perm] as readonly string[]).includes(a.role);
          const inScope = scopeOf[a.username]!.includes(u);
          const want: Want = !allowed
            ? [403, 'auth.forbidden']
            : !inScope
              ? [403, 'auth.out_of_scope']
              : (e.inScope?.(unit(u), a.username) ?? [200, undefined]);
          const label = `${e.method ?? 'GET'} ${e.url(unit(u))}`;
          expect([a.username, label, r.statusCode, r.statusCode === 200 ? undefined : r.json().code]).toEqual([
            a.username,
            label,
            ...want,
          ]);
          if (r.statusCode !== 200) expect(r.json().message).toMatch(/[\u4e00-\u9fff]/);
          checked++;
        }
      }
      // Campaigns are not per unit: read by the unit admins, written by HQ (sent invalid: end before start).
      const list = await as(a.username, { method: 'GET', url: '/api/admin/campaigns' });
      expect([a.username, list.statusCode]).toEqual([a.username, can(a.role, 'campaigns') ? 200 : 403]);
      const put = await as(a.username, {
        method: 'PUT',
        url: `/api/admin/campaigns/${s.demo.campaignId}`,
        payload: {
          name: '矩阵',
          semester: '2026-2',
          startsAt: '2026-12-01T00:00:00Z',
          endsAt: '2026-11-01T00:00:00Z',
          specId: 'chsi',
          exemptionSemesters: 2,
          support: [],
        },
      });
      expect([a.username, put.statusCode, put.json().code]).toEqual(
        can(a.role, 'manageCampaigns')
          ? [a.username, 400, 'campaign.window_invalid']
          : [a.username, 403, 'auth.forbidden'],
      );
      // Photos by id: visible only when the student is in scope (student 2 is in C3, branch 2).
      const r = await as(a.username, { method: 'GET', url: `/api/admin/photos/${photo[2]}/files/blue.jpg` });
      expect([a.username, r.statusCode]).toEqual([
        a.username,
        ['hq', 'reviewer', 'branch2', 'centre3'].includes(a.username) ? 200 : 404,
      ]);
    }
    expect(checked).toBe(7 * endpoints.length * 5);
    const after = await rows<{ units: number; admins: number }>(
      s.database.db,
      sql`SELECT (SELECT count(*)::int FROM org_units) AS units, (SELECT count(*)::int FROM admins) AS admins`,
    );
    expect(after).toEqual(before);
    const missing = await as('hq', { method: 'GET', url: '/api/admin/progress?unitId=99999' });
    expect(missing.json().code).toBe('unit.not_found');
  });
});
