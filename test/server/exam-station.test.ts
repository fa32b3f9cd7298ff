// The 考场核验 station through the API: invigilator accounts made by the unit admins, exam sessions,
// checks recorded with real photos and the real engine (通过 / 不通过 / 无法比对), overrides, the
// session counts and the XLSX export, all inside the centre's scope.

import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import type { ExamVerifyResponse } from '../../src/domain/admin-api.js';
import {
  EXAM_DETECT_LONG_SIDE,
  EXAM_DETECT_PER_MINUTE,
  type ExamCheck,
  type ExamDetectResponse,
  type ExamSession,
} from '../../src/domain/exam.js';
import { VERIFY_THRESHOLD } from '../../src/photo/similarity.js';
import { haveFaces, readFace } from '../faces.js';
import {
  adminLogins,
  BACKENDS,
  cookieOf,
  multipart,
  readyPhoto,
  refused,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const OBAMA_A = 'identities/barack_obama/facerec__examples__obama.jpg';
const OBAMA_B = 'identities/barack_obama/facerec__test__obama1.jpg';
const ANISTON = 'identities/jennifer_aniston/deepface__dataset__img3.jpg';
const NO_FACE = 'other/no_face/insightface__crop__no_face.png';
const TWO_PEOPLE = 'defects/multiple_faces/facerec__examples__two_people.jpg';
const INVIGILATOR_PASSWORD = 'Exam-door-Check-2026!';

describe.skipIf(!haveFaces).each(BACKENDS)('the exam station on $name', (backend) => {
  let s: TestServer;
  const cookies: Record<string, string> = {};
  // Student 0 sits in centre C1 (centre1's), student 2 in C3 (branch 2), both with an approved photo of OBAMA_A.
  const inC1 = 0;
  const inC3 = 2;
  let c1Session: ExamSession;
  let c3Session: ExamSession;
  const centreOf1 = () => s.demo.students[inC1]!.centreId;
  const centreOf3 = () => s.demo.students[inC3]!.centreId;

  const as = (who: string, opts: { method?: 'GET' | 'POST'; url: string; payload?: object }) =>
    s.app.inject({
      method: opts.method ?? 'GET',
      url: opts.url,
      payload: opts.payload,
      headers: { cookie: cookies[who]! },
    });

  /** An invigilator made by `manager`, signed in, its first password replaced as it must be. */
  async function invigilator(manager: string, username: string, unitId: number): Promise<string> {
    const made = await as(manager, {
      method: 'POST',
      url: '/api/admin/admins',
      payload: {
        username,
        displayName: `监考${username}`,
        role: 'invigilator',
        unitId,
        password: 'Temporary-pass-0042',
      },
    });
    expect(made.statusCode, made.body).toBe(200);
    const login = await s.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      payload: { username, password: 'Temporary-pass-0042' },
    });
    const cookie = cookieOf(login, 'kz_admin');
    const changed = await s.app.inject({
      method: 'POST',
      url: '/api/admin/password',
      headers: { cookie },
      payload: { currentPassword: 'Temporary-pass-0042', newPassword: INVIGILATOR_PASSWORD },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    return cookie;
  }

  const verify = (who: string, studentIndex: number, file: string, sessionId?: number | string) => {
    const bytes = readFace(file);
    // The session id travels as a second multipart field before the file, as the console sends it.
    const m = multipart(
      'photo',
      'live.jpg',
      bytes,
      file.endsWith('.png') ? 'image/png' : 'image/jpeg',
      sessionId === undefined ? {} : { sessionId: String(sessionId) },
    );
    return s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${s.demo.students[studentIndex]!.studentNumber}/verify-face`,
      headers: { cookie: cookies[who]!, ...m.headers },
      payload: m.payload,
    });
  };

  /** A station's face-box frame: the photo at the detector's size, as the console sends it. */
  const frame = async (file: string, longSide = EXAM_DETECT_LONG_SIDE) =>
    new Uint8Array(
      await sharp(readFace(file))
        .rotate()
        .resize(longSide, longSide, { fit: 'inside' })
        .jpeg({ quality: 70 })
        .toBuffer(),
    );
  const detect = (who: string | undefined, bytes: Uint8Array, type = 'image/jpeg') => {
    const m = multipart('photo', 'frame.jpg', bytes, type);
    return s.app.inject({
      method: 'POST',
      url: '/api/admin/exam/detect-face',
      headers: { ...(who ? { cookie: cookies[who]! } : {}), ...m.headers },
      payload: m.payload,
    });
  };

  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false });
    Object.assign(cookies, await adminLogins(s, ['hq', 'branch1', 'branch2', 'centre1', 'centre3', 'reviewer']));
    const stored = await s.ctx.engine.describe(readFace(OBAMA_A));
    for (const i of [inC1, inC3]) {
      const id = await readyPhoto(s, i, 'pass');
      await s.ctx.repos.photos.update(id, { embedding: stored!.embedding });
      const r = await submitPhoto(s, await studentLogin(s, i), id, 'blue');
      if (r.json().status === 'needs_review') {
        // The same face under a second student is a duplicate for review: approved here.
        const ok = await as('hq', {
          method: 'POST',
          url: `/api/admin/reviews/${id}`,
          payload: { decision: 'approve' },
        });
        expect(ok.statusCode, ok.body).toBe(200);
      } else expect(r.json().status).toBe('approved');
    }
    cookies.inv1 = await invigilator('centre1', 'inv.c1', centreOf1());
    cookies.inv3 = await invigilator('branch2', 'inv.c3', centreOf3());
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  it('lets HQ, branches and centres create invigilators in their scope, and an invigilator only verify', async () => {
    const me = (await as('inv1', { url: '/api/admin/me' })).json();
    expect(me).toMatchObject({ role: 'invigilator', unit: { id: centreOf1(), level: 'centre' } });
    // A centre creates invigilators of its own centre, nowhere else; an invigilator sits at a centre.
    refused(
      await as('centre1', {
        method: 'POST',
        url: '/api/admin/admins',
        payload: {
          username: 'inv.far',
          displayName: '监考',
          role: 'invigilator',
          unitId: centreOf3(),
          password: 'Temporary-pass-0042',
        },
      }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('branch1', {
        method: 'POST',
        url: '/api/admin/admins',
        payload: {
          username: 'inv.branch',
          displayName: '监考',
          role: 'invigilator',
          unitId: s.demo.branchIds[0]!,
          password: 'Temporary-pass-0042',
        },
      }),
      400,
      'admin.role_unit_mismatch',
    );
    // Nothing but the exam station.
    for (const url of [
      '/api/admin/progress',
      '/api/admin/reviews',
      '/api/admin/admins',
      '/api/admin/audit',
      `/api/admin/units/${centreOf1()}/uncollected?limit=1`,
    ]) {
      refused(await as('inv1', { url }), 403, 'auth.forbidden');
    }
    refused(
      await as('reviewer', {
        method: 'POST',
        url: '/api/admin/exam/sessions',
        payload: { name: 'x', room: 'y', startsAt: new Date().toISOString() },
      }),
      403,
      'auth.forbidden',
    );
  });

  it('creates sessions at a centre, for the invigilator’s own centre by default', async () => {
    const made = await as('inv1', {
      method: 'POST',
      url: '/api/admin/exam/sessions',
      payload: { name: '2026 春季期末 第一场', room: '301 教室', startsAt: '2026-06-20T01:00:00.000Z' },
    });
    expect(made.statusCode, made.body).toBe(200);
    c1Session = made.json();
    expect(c1Session).toMatchObject({ room: '301 教室', centre: { id: centreOf1() }, counts: { checked: 0 } });
    const other = await as('centre3', {
      method: 'POST',
      url: '/api/admin/exam/sessions',
      payload: { name: '期末 第一场', room: 'A101', startsAt: '2026-06-20T01:00:00.000Z' },
    });
    expect(other.statusCode, other.body).toBe(200);
    c3Session = other.json();
    // HQ must say which centre; a branch or HQ unit is no exam room; out of scope is refused.
    refused(
      await as('hq', {
        method: 'POST',
        url: '/api/admin/exam/sessions',
        payload: { name: 'a', room: 'b', startsAt: '2026-06-20T01:00:00Z' },
      }),
      400,
      'exam.session_centre_required',
    );
    refused(
      await as('inv1', {
        method: 'POST',
        url: '/api/admin/exam/sessions',
        payload: { name: 'a', room: 'b', startsAt: '2026-06-20T01:00:00Z', centreId: centreOf3() },
      }),
      403,
      'auth.out_of_scope',
    );
    refused(
      await as('inv1', {
        method: 'POST',
        url: '/api/admin/exam/sessions',
        payload: { name: '  ', room: 'b', startsAt: '2026-06-20T01:00:00Z' },
      }),
      400,
      'exam.session_invalid',
    );
    refused(
      await as('inv1', {
        method: 'POST',
        url: '/api/admin/exam/sessions',
        payload: { name: 'a', room: 'b', startsAt: 'tomorrow' },
      }),
      400,
      'request.invalid',
    );
    // Each centre sees its own sessions; the branch and HQ see theirs.
    const ids = async (who: string) =>
      ((await as(who, { url: '/api/admin/exam/sessions' })).json().items as ExamSession[]).map((x) => x.id);
    expect(await ids('inv1')).toEqual([c1Session.id]);
    expect(await ids('inv3')).toEqual([c3Session.id]);
    expect(await ids('branch1')).toEqual([c1Session.id]);
    expect((await ids('hq')).sort()).toEqual([c1Session.id, c3Session.id].sort());
    refused(await as('inv3', { url: `/api/admin/exam/sessions/${c1Session.id}` }), 404, 'exam.session_not_found');
  });

  let checks: ExamVerifyResponse[] = [];
  it('records 通过 for the right person, 不通过 for another, 无法比对 with the reason for no face', async () => {
    const right = await verify('inv1', inC1, OBAMA_B, c1Session.id);
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json()).toMatchObject({
      decision: 'pass',
      match: true,
      reason: null,
      threshold: VERIFY_THRESHOLD,
      sessionId: c1Session.id,
    });
    expect(right.json().similarity).toBeGreaterThan(VERIFY_THRESHOLD);
    expect(right.json().maskedName).toContain('*');
    expect(right.body).not.toContain(s.demo.students[inC1]!.name);

    const wrong = await verify('inv1', inC1, ANISTON, c1Session.id);
    expect(wrong.statusCode, wrong.body).toBe(200);
    expect(wrong.json()).toMatchObject({ decision: 'fail', match: false, reason: null });
    expect(wrong.json().similarity).toBeLessThan(VERIFY_THRESHOLD);

    // At the station a frame without a face is a recorded check the invigilator can override.
    const none = await verify('inv1', inC1, NO_FACE, c1Session.id);
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json()).toMatchObject({ decision: 'unable', reason: 'exam.no_face', similarity: null, match: false });
    checks = [right.json(), wrong.json(), none.json()];
    expect(new Set(checks.map((c) => c.checkId)).size).toBe(3);

    // The collected photo shown beside the frame is the invigilator's to see, not another centre's.
    const photo = await as('inv1', { url: right.json().photoUrl });
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect((await as('inv3', { url: right.json().photoUrl })).statusCode).toBe(404);

    // Without a session the endpoint answers as it always did, and still records the check.
    const legacy = await verify('centre1', inC1, NO_FACE);
    refused(legacy, 422, 'exam.no_face');
    const unsessioned = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT count(*)::int AS n FROM exam_checks WHERE session_id IS NULL AND decision = 'unable' AND reason = 'exam.no_face'`,
    );
    expect(unsessioned[0]!.n).toBe(1);
  });

  it('keeps each centre to its own students and sessions', async () => {
    // Another centre's student is "not found", with or without a session, like any unknown number.
    refused(await verify('inv1', inC3, OBAMA_B, c1Session.id), 404, 'student.not_found');
    refused(await verify('inv1', inC3, OBAMA_B), 404, 'student.not_found');
    refused(await verify('inv1', inC1, OBAMA_B, c3Session.id), 404, 'exam.session_not_found');
    // A session is one centre's sitting: HQ cannot check a C3 student into a C1 session.
    refused(await verify('hq', inC3, OBAMA_B, c1Session.id), 404, 'student.not_found');
    refused(await verify('inv1', inC1, OBAMA_B, 'abc'), 400, 'request.invalid');
    const theirs = await verify('inv3', inC3, OBAMA_B, c3Session.id);
    expect(theirs.json()).toMatchObject({ decision: 'pass' });
    // Nor may they see or change each other's checks.
    refused(
      await as('inv3', { url: `/api/admin/exam/sessions/${c1Session.id}/checks` }),
      404,
      'exam.session_not_found',
    );
    refused(
      await as('inv3', { url: `/api/admin/exam/sessions/${c1Session.id}/export.xlsx` }),
      404,
      'exam.session_not_found',
    );
    refused(
      await as('inv3', {
        method: 'POST',
        url: `/api/admin/exam/checks/${checks[1]!.checkId}/override`,
        payload: { decision: 'pass', reason: '核对身份证' },
      }),
      404,
      'exam.check_not_found',
    );
  });

  it('records an override with its reason, counts it, and audits it', async () => {
    refused(
      await as('inv1', {
        method: 'POST',
        url: `/api/admin/exam/checks/${checks[2]!.checkId}/override`,
        payload: { decision: 'pass', reason: '   ' },
      }),
      400,
      'exam.override_reason_required',
    );
    const o = await as('inv1', {
      method: 'POST',
      url: `/api/admin/exam/checks/${checks[2]!.checkId}/override`,
      payload: { decision: 'pass', reason: '摄像头逆光，核对身份证与准考证无误' },
    });
    expect(o.statusCode, o.body).toBe(200);
    const check: ExamCheck = o.json();
    expect(check).toMatchObject({
      decision: 'unable',
      reason: 'exam.no_face',
      override: 'pass',
      overrideReason: '摄像头逆光，核对身份证与准考证无误',
      overrideBy: '监考inv.c1',
    });
    expect(check.overrideAt).toBeTruthy();

    const list = (await as('inv1', { url: `/api/admin/exam/sessions/${c1Session.id}/checks` })).json()
      .items as ExamCheck[];
    expect(list.map((c) => c.id)).toEqual([...checks].reverse().map((c) => c.checkId));
    const [session] = (await as('inv1', { url: '/api/admin/exam/sessions' })).json().items as ExamSession[];
    expect(session!.counts).toEqual({ checked: 3, students: 1, passed: 2, failed: 1, unable: 0, overridden: 1 });

    const audit = await rows<{ action: string; detail: Record<string, unknown>; student_count: number }>(
      s.database.db,
      sql`SELECT action, detail, student_count FROM audit_log WHERE action LIKE 'exam.%' ORDER BY id`,
    );
    const override = audit.find((a) => a.action === 'exam.override');
    expect(override).toMatchObject({ student_count: 1, detail: { checkId: checks[2]!.checkId, override: 'pass' } });
    expect(audit.filter((a) => a.action === 'exam.verify' && a.detail.sessionId === c1Session.id)).toHaveLength(3);
    expect(audit.some((a) => a.action === 'exam.session_create')).toBe(true);
  });

  it('exports the session’s checks as XLSX with masked names, and keeps no frame', async () => {
    const before = await rows<{ n: number }>(s.database.db, sql`SELECT count(*)::int AS n FROM photo_files`);
    const res = await as('inv1', { url: `/api/admin/exam/sessions/${c1Session.id}/export.xlsx` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const data: string[][] = [];
    ws.eachRow((row, n) => {
      if (n > 3) data.push((row.values as unknown[]).slice(1).map((v) => String(v ?? '')));
    });
    expect(data).toHaveLength(3);
    const student = s.demo.students[inC1]!;
    expect(data.every((r) => r[1] === student.studentNumber && r[2]!.includes('*'))).toBe(true);
    expect(data.map((r) => r[3])).toEqual(['通过', '不通过', '无法比对']);
    expect(data[2]![4]).toBe('未检测到人脸');
    expect(data[2]![9]).toBe('人工核对通过');
    expect(data[2]![13]).toBe('通过');
    const all = JSON.stringify(data);
    expect(all).not.toContain(student.name);
    expect(all).not.toContain(student.idNumber);
    // No live frame anywhere: photo files unchanged by checks, no frame in the log.
    await verify('inv1', inC1, OBAMA_B, c1Session.id);
    const after = await rows<{ n: number }>(s.database.db, sql`SELECT count(*)::int AS n FROM photo_files`);
    expect(after[0]!.n).toBe(before[0]!.n);
    expect(s.logs()).not.toContain(student.idNumber);
    expect(s.logs()).not.toContain(student.name);
  });

  it('answers 无法比对 for a student without an approved photo, so the invigilator can check by hand', async () => {
    const withoutPhoto = 4; // also in C1
    expect(s.demo.students[withoutPhoto]!.centreId).toBe(centreOf1());
    const r = await verify('inv1', withoutPhoto, OBAMA_B, c1Session.id);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ decision: 'unable', reason: 'exam.no_photo', photoUrl: null, similarity: null });
    const o = await as('inv1', {
      method: 'POST',
      url: `/api/admin/exam/checks/${r.json().checkId}/override`,
      payload: { decision: 'pass', reason: '未采集照片，已核对身份证' },
    });
    expect(o.json()).toMatchObject({ decision: 'unable', override: 'pass' });
    // Without a session the endpoint keeps its old answer for this case.
    refused(await verify('centre1', withoutPhoto, OBAMA_B), 404, 'exam.no_photo');
  });

  it('finds the face box of a small live frame for an invigilator, stores nothing, refuses bad frames with a 4xx', async () => {
    const counts = async () =>
      (
        await rows<{ files: number; checks: number; audit: number; photos: number }>(
          s.database.db,
          sql`SELECT (SELECT count(*)::int FROM photo_files) AS files, (SELECT count(*)::int FROM exam_checks) AS checks,
                     (SELECT count(*)::int FROM audit_log) AS audit, (SELECT count(*)::int FROM photos) AS photos`,
        )
      )[0]!;
    const before = await counts();

    const one = await detect('inv1', await frame(OBAMA_B));
    expect(one.statusCode, one.body).toBe(200);
    const { faces } = one.json() as ExamDetectResponse;
    expect(faces).toHaveLength(1);
    const box = faces[0]!;
    // A portrait's face: inside the frame, a sensible share of it.
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1);
    expect(box.y + box.height).toBeLessThanOrEqual(1);
    expect(box.width).toBeGreaterThan(0.1);
    expect(box.score).toBeGreaterThan(0.5);
    expect((await detect('inv1', await frame(NO_FACE))).json()).toEqual({ faces: [] });
    const two = (await detect('centre1', await frame(TWO_PEOPLE))).json() as ExamDetectResponse;
    expect(two.faces).toHaveLength(2);
    // Largest first, as the station picks the face it would verify.
    expect(two.faces[0]!.width * two.faces[0]!.height).toBeGreaterThanOrEqual(
      two.faces[1]!.width * two.faces[1]!.height,
    );

    // Only a signed-in admin with the station's permission: not a student, not a reviewer.
    refused(await detect(undefined, await frame(OBAMA_B)), 401, 'auth.required');
    const student = await studentLogin(s, inC1);
    const m = multipart('photo', 'frame.jpg', await frame(OBAMA_B), 'image/jpeg');
    const asStudent = await s.app.inject({
      method: 'POST',
      url: '/api/admin/exam/detect-face',
      headers: { cookie: student, ...m.headers },
      payload: m.payload,
    });
    expect(asStudent.statusCode).toBe(401);
    refused(await detect('reviewer', await frame(OBAMA_B)), 403, 'auth.forbidden');

    // A bad frame is the client's: always a 4xx with its code, never a 5xx.
    refused(await detect('inv1', await frame(OBAMA_B, 1280)), 413, 'exam.frame_too_large');
    const jpeg = await frame(OBAMA_B);
    refused(await detect('inv1', jpeg.subarray(0, Math.floor(jpeg.length / 2))), 422, 'image.corrupt');
    refused(
      await detect('inv1', new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')),
      415,
      'image.unsupported_type',
    );
    refused(await detect('inv1', new Uint8Array(0)), 400, 'image.empty');
    refused(await detect('inv1', new Uint8Array(300_000).fill(0xff)), 413, 'exam.frame_too_large');
    const noFile = await s.app.inject({
      method: 'POST',
      url: '/api/admin/exam/detect-face',
      headers: { cookie: cookies.inv1!, 'content-type': 'application/json' },
      payload: { photo: 'x' },
    });
    refused(noFile, 400, 'request.no_file');

    // Nothing of the frames was kept: no photo, file, check or audit row, and no frame in the log.
    expect(await counts()).toEqual(before);
    expect(s.logs()).not.toMatch(/frame\.jpg/);
  });

  it('limits face-box frames per admin, not per address', async () => {
    // The limit is counted before the body is read: empty requests spend the budget quickly.
    const empty = () =>
      s.app.inject({
        method: 'POST',
        url: '/api/admin/exam/detect-face',
        headers: { cookie: cookies.branch2!, 'content-type': 'application/json' },
        payload: {},
      });
    for (let i = 0; i < EXAM_DETECT_PER_MINUTE; i++) expect((await empty()).statusCode).toBe(400);
    refused(await empty(), 429, 'rate_limited');
    // Another admin at the same address still has theirs.
    expect((await detect('inv3', await frame(NO_FACE))).statusCode).toBe(200);
  });
});
