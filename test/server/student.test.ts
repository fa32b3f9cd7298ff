import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { BACKENDS, multipart, readyPhoto, startServer, studentLogin, submitPhoto, type TestServer } from './harness.js';

describe.each(BACKENDS)('student API on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { uploadLimitMb: 1, processJobs: false });
  });
  afterAll(async () => {
    await s?.close();
  });

  const inject = (opts: InjectOptions) => s.app.inject(opts);

  it('describes the open campaign and the agreement', async () => {
    const c = await inject({ method: 'GET', url: '/api/campaign' });
    expect(c.statusCode).toBe(200);
    const body = c.json();
    expect(body.id).toBe(s.demo.campaignId);
    expect(body.open).toBe(true);
    expect(body.spec).toMatchObject({ id: 'chsi', width: 480, height: 640, defaultBackground: 'blue' });
    expect(body.spec.backgrounds.map((b: { name: string }) => b.name)).toEqual(['blue', 'white', 'gray']);
    const a = await inject({ method: 'GET', url: '/api/agreement' });
    expect(a.json()).toMatchObject({ version: s.ctx.config.agreementVersion });
    expect(a.json().text.length).toBeGreaterThan(50);
  });

  it('identifies with masks only and rejects unknown numbers and wrong types', async () => {
    const st = s.demo.students[1]!;
    const res = await inject({
      method: 'POST',
      url: '/api/student/identify',
      payload: { studentNumber: st.studentNumber },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.maskedIdNumber).toBe(`${st.idNumber.slice(0, 4)}**********${st.idNumber.slice(-4)}`);
    expect(body.maskedName.startsWith([...st.name][0]!)).toBe(true);
    expect(body.maskedName).toContain('*');
    expect(res.body).not.toContain(st.idNumber);
    expect(res.body).not.toContain(st.name);
    expect(Object.keys(body).sort()).toEqual(['maskedIdNumber', 'maskedName', 'studentNumber', 'unitName']);

    const unknown = await inject({
      method: 'POST',
      url: '/api/student/identify',
      payload: { studentNumber: '999999' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'student.not_found' });
    expect(unknown.json().message).toMatch(/学号/);

    for (const studentNumber of [['x'], { a: 1 }, null, '../etc']) {
      const wrongType = await inject({ method: 'POST', url: '/api/student/identify', payload: { studentNumber } });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json().code).toBe('request.invalid');
    }
    const missing = await inject({ method: 'POST', url: '/api/student/identify', payload: {} });
    expect(missing.statusCode).toBe(400);
    const notJson = await inject({
      method: 'POST',
      url: '/api/student/identify',
      headers: { 'content-type': 'application/json' },
      payload: '{"studentNumber":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('request.invalid');
  });

  it('verifies the full ID number and sets an httpOnly SameSite session cookie', async () => {
    const st = s.demo.students[2]!;
    const bad = `${st.idNumber.slice(0, 17)}${st.idNumber[17] === '0' ? '1' : '0'}`;
    const checksum = await inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: bad },
    });
    expect(checksum.statusCode).toBe(400);
    expect(checksum.json().code).toBe('student.id_invalid');

    const other = s.demo.students[3]!;
    const mismatch = await inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: other.idNumber },
    });
    expect(mismatch.statusCode).toBe(401);
    expect(mismatch.json().code).toBe('student.id_mismatch');
    expect(mismatch.cookies).toHaveLength(0);

    const ok = await inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: st.idNumber.toLowerCase() },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ studentNumber: st.studentNumber, state: 'todo', consentVersion: null });
    const cookie = ok.cookies.find((c) => c.name === 'kz_sid')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    const me = await inject({ method: 'GET', url: '/api/student/me', headers: { cookie: `kz_sid=${cookie.value}` } });
    expect(me.json().studentNumber).toBe(st.studentNumber);
  });

  // Identify calls from many addresses for one student number (anyone can send them) do not
  // lock that student out: limits on wrong ID numbers are in test/server/limits.test.ts.
  it('does not let identify calls for a student number lock the student out', async () => {
    const st = s.demo.students[10]!;
    for (let i = 0; i < 25; i++) {
      const r = await inject({
        method: 'POST',
        url: '/api/student/identify',
        remoteAddress: `198.51.100.${100 + i}`,
        payload: { studentNumber: st.studentNumber },
      });
      expect(r.statusCode).toBe(200);
    }
    const verify = await inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: st.idNumber },
    });
    expect(verify.statusCode).toBe(200);
  });

  it('limits identify per client across API processes (the count lives in the database)', async () => {
    const { buildApp } = await import('../../src/server/app.js');
    const { PassThrough } = await import('node:stream');
    // A second app on the same database stands in for a second API process behind a balancer.
    const other = await buildApp(s.ctx, { logStream: new PassThrough(), logLevel: 'warn' });
    const limit = s.ctx.config.identifyPerIpPerMinute;
    // The counter's window is the clock minute: do not start in its last seconds.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await new Promise((r) => setTimeout(r, left + 100));
    (s.ctx.config as { identifyPerIpPerMinute: number }).identifyPerIpPerMinute = 4;
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const app = i % 2 === 0 ? s.app : other;
        const r = await app.inject({
          method: 'POST',
          url: '/api/student/identify',
          remoteAddress: '198.51.100.7',
          payload: { studentNumber: s.demo.students[20 + i]!.studentNumber },
        });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
      // Another client is not affected.
      const fresh = await other.inject({
        method: 'POST',
        url: '/api/student/identify',
        remoteAddress: '198.51.100.8',
        payload: { studentNumber: s.demo.students[30]!.studentNumber },
      });
      expect(fresh.statusCode).toBe(200);
    } finally {
      (s.ctx.config as { identifyPerIpPerMinute: number }).identifyPerIpPerMinute = limit;
      await other.close();
    }
  });

  it('refuses requests without a session, and an expired session with its own code', async () => {
    const none = await inject({ method: 'GET', url: '/api/student/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('auth.required');
    const cookie = await studentLogin(s, 4, false);
    await s.ctx.repos.sessions.expire(cookie.split('=')[1]!);
    const expired = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'session.expired' });
    expect(expired.json().message).toMatch(/过期/);
  });

  it('requires consent of the current version before any upload', async () => {
    const cookie = await studentLogin(s, 5, false);
    const m = multipart('photo', 'a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const up = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode).toBe(403);
    expect(up.json().code).toBe('consent.required');
    const old = await inject({
      method: 'POST',
      url: '/api/student/consent',
      headers: { cookie },
      payload: { version: '1999-1' },
    });
    expect(old.statusCode).toBe(409);
    const ok = await inject({
      method: 'POST',
      url: '/api/student/consent',
      headers: { cookie },
      payload: { version: s.ctx.config.agreementVersion },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().consentVersion).toBe(s.ctx.config.agreementVersion);
    const r = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT count(*)::int AS n FROM consents WHERE student_id = ${s.demo.students[5]!.id}`,
    );
    expect(r[0]!.n).toBe(1);
  });

  it('refuses non-image, empty, oversize and missing uploads with 4xx codes and stores nothing', async () => {
    const cookie = await studentLogin(s, 6);
    const send = (bytes: Uint8Array, name = 'x.jpg', field = 'photo') => {
      const m = multipart(field, name, bytes);
      return inject({
        method: 'POST',
        url: '/api/student/photos',
        headers: { cookie, ...m.headers },
        payload: m.payload,
      });
    };
    const text = await send(Buffer.from('name,id\n张三,110101199003074258\n'), 'roster.csv');
    expect(text.statusCode).toBe(415);
    expect(text.json().code).toBe('image.unsupported_type');
    const heic = await send(Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(20)]));
    expect(heic.json().code).toBe('image.heic');
    const empty = await send(new Uint8Array(0));
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('image.empty');
    const big = Buffer.alloc(1024 * 1024 + 10);
    big.set([0xff, 0xd8, 0xff]);
    const oversize = await send(big);
    expect(oversize.statusCode).toBe(413);
    expect(oversize.json().code).toBe('image.file_too_large');
    // An upload cut off mid-body (the phone lost its signal) is refused, not a server error.
    const whole = multipart('photo', 'a.jpg', Buffer.alloc(50_000, 0xff));
    const cut = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...whole.headers },
      payload: whole.payload.subarray(0, 20_000),
    });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().code).toBe('request.invalid');
    const wrongField = await send(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), 'a.jpg', 'file');
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().code).toBe('request.no_file');
    const notMultipart = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie },
      payload: { a: 1 },
    });
    expect(notMultipart.statusCode).toBeGreaterThanOrEqual(400);
    expect(notMultipart.statusCode).toBeLessThan(500);
    const list = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
    expect(list.json().items).toEqual([]);
  });

  it('accepts an image upload as a processing attempt', async () => {
    const cookie = await studentLogin(s, 7);
    const m = multipart('photo', 'a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]));
    const up = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode).toBe(202);
    expect(up.json()).toMatchObject({ status: 'processing', verdict: null, photos: {}, background: null });
    const got = await inject({ method: 'GET', url: `/api/student/photos/${up.json().id}`, headers: { cookie } });
    expect(got.json().status).toBe('processing');
    const stored = await s.ctx.storage.get(`${up.json().id}/source`);
    expect(stored?.length).toBe(6);
  });

  it('submits a passing photo once, approved, however often it is clicked', async () => {
    const cookie = await studentLogin(s, 8);
    const id = await readyPhoto(s, 8, 'pass');
    const results = await Promise.all([0, 1, 2].map(() => submitPhoto(s, cookie, id, 'white')));
    for (const r of results) {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ id, status: 'approved', background: 'white' });
    }
    const again = await submitPhoto(s, cookie, id, 'blue');
    expect(again.json()).toMatchObject({ status: 'approved', background: 'white' });
    const subs = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT count(*)::int AS n FROM submissions WHERE student_id = ${s.demo.students[8]!.id}`,
    );
    expect(subs[0]!.n).toBe(1);
    const counts = await s.ctx.repos.counts.centres(s.demo.campaignId, { centreId: s.demo.students[8]!.centreId });
    expect(counts[0]!.approved).toBe(1);
    const me = await inject({ method: 'GET', url: '/api/student/me', headers: { cookie } });
    expect(me.json().state).toBe('submitted');
    const file = await inject({ method: 'GET', url: `/api/student/photos/${id}/files/white.jpg`, headers: { cookie } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(file.rawPayload[0]).toBe(0xff);
    const newUpload = multipart('photo', 'a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const blocked = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...newUpload.headers },
      payload: newUpload.payload,
    });
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().code).toBe('photo.already_submitted');
  });

  it('sends a warning photo to review, refuses a failing one and an unavailable background', async () => {
    const cookie = await studentLogin(s, 9);
    const failing = await readyPhoto(s, 9, 'fail');
    const f = await submitPhoto(s, cookie, failing, 'blue');
    expect(f.statusCode).toBe(422);
    expect(f.json().code).toBe('photo.failed_checks');
    const warn = await readyPhoto(s, 9, 'warn');
    const gray = await submitPhoto(s, cookie, warn, 'gray');
    expect(gray.statusCode).toBe(400);
    expect(gray.json().code).toBe('photo.background_unavailable');
    const badBg = await submitPhoto(s, cookie, warn, 'red');
    expect(badBg.statusCode).toBe(400);
    const w = await submitPhoto(s, cookie, warn, 'blue');
    expect(w.statusCode).toBe(200);
    expect(w.json().status).toBe('needs_review');
    const history = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
    expect(history.json().items.map((i: { status: string }) => i.status)).toEqual(['needs_review', 'ready']);
  });

  it('lets only one of two concurrent submits of different photos through', async () => {
    const cookie = await studentLogin(s, 11);
    const a = await readyPhoto(s, 11, 'pass');
    const b = await readyPhoto(s, 11, 'warn');
    const [ra, rb] = await Promise.all([a, b].map((id) => submitPhoto(s, cookie, id, 'blue')));
    const codes = [ra!.statusCode, rb!.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const loser = ra!.statusCode === 409 ? ra! : rb!;
    expect(loser.json().code).toBe('photo.already_submitted');
    const st = s.demo.students[11]!;
    const subs = await rows<{ n: number }>(
      s.database.db,
      sql`SELECT count(*)::int AS n FROM submissions WHERE student_id = ${st.id}`,
    );
    expect(subs[0]!.n).toBe(1);
  });

  it('never shows one student another student’s photo', async () => {
    const mine = await readyPhoto(s, 12, 'pass');
    const cookie = await studentLogin(s, 13);
    for (const url of [`/api/student/photos/${mine}`, `/api/student/photos/${mine}/files/blue.jpg`]) {
      const r = await inject({ method: 'GET', url, headers: { cookie } });
      expect(r.statusCode).toBe(404);
      expect(r.json().code).toBe('photo.not_found');
    }
    const submit = await submitPhoto(s, cookie, mine, 'blue');
    expect(submit.statusCode).toBe(404);
    const bad = await inject({ method: 'GET', url: '/api/student/photos/not-a-uuid', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
  });

  it('shows a closed window instead of the flow', async () => {
    const cookie = await studentLogin(s, 14);
    await s.database.db.execute(
      sql`UPDATE campaigns SET ends_at = now() - interval '1 hour' WHERE id = ${s.demo.campaignId}`,
    );
    try {
      const me = await inject({ method: 'GET', url: '/api/student/me', headers: { cookie } });
      expect(me.json().state).toBe('closed');
      const m = multipart('photo', 'a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
      const up = await inject({
        method: 'POST',
        url: '/api/student/photos',
        headers: { cookie, ...m.headers },
        payload: m.payload,
      });
      expect(up.statusCode).toBe(403);
      expect(up.json()).toMatchObject({ code: 'campaign.closed' });
      const c = await inject({ method: 'GET', url: '/api/campaign' });
      expect(c.json().open).toBe(false);
    } finally {
      await s.database.db.execute(
        sql`UPDATE campaigns SET ends_at = now() + interval '30 days' WHERE id = ${s.demo.campaignId}`,
      );
    }
  });

  it('exempts a student with an approved photo from a recent semester', async () => {
    const st = s.demo.students[15]!;
    const db = s.database.db;
    const [old] = await rows<{ id: string }>(
      db,
      sql`INSERT INTO campaigns (name, semester, semester_index, starts_at, ends_at)
          SELECT '上学期', 'old', semester_index - 1, starts_at - interval '200 days', ends_at - interval '200 days'
          FROM campaigns WHERE id = ${s.demo.campaignId} RETURNING id`,
    );
    const [p] = await rows<{ id: string }>(
      db,
      sql`INSERT INTO photos (student_id, campaign_id, status, spec_id, verdict)
          VALUES (${st.id}, ${old!.id}, 'approved', 'chsi', 'pass') RETURNING id`,
    );
    await db.execute(sql`INSERT INTO submissions (campaign_id, student_id, photo_id, status, centre_id, branch_id, submitted_at)
      VALUES (${old!.id}, ${st.id}, ${p!.id}, 'approved', ${st.centreId}, ${st.branchId}, now() - interval '200 days')`);
    await s.ctx.repos.counts.refresh(s.demo.campaignId);
    const cookie = await studentLogin(s, 15);
    const me = await inject({ method: 'GET', url: '/api/student/me', headers: { cookie } });
    expect(me.json().state).toBe('exempt');
    const m = multipart('photo', 'a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const up = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode).toBe(403);
    expect(up.json().code).toBe('campaign.exempt');
    const [c] = await s.ctx.repos.counts.centres(s.demo.campaignId, { centreId: st.centreId });
    expect(c!.exempt).toBe(1);
  });

  it('keeps ID numbers and names out of the server log', async () => {
    const log = s.logs();
    expect(log.length).toBeGreaterThan(1000);
    for (const st of s.demo.students.slice(0, 20)) {
      expect(log).not.toContain(st.idNumber);
      expect(log).not.toContain(st.name);
    }
    expect(log).not.toMatch(/\d{17}[\dX]/);
  });
});
