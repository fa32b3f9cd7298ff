// Limits keyed on the real client address, wrong ID numbers that slow a student number down
// without locking the student out, and the per-student upload throttle.
import { PassThrough } from 'node:stream';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rows } from '../../src/db/client.js';
import { buildApp } from '../../src/server/app.js';
import { BACKENDS, cookieOf, multipart, startServer, studentLogin, type TestServer } from './harness.js';

const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);

describe.each(BACKENDS)('limits on $name', (backend) => {
  let s: TestServer;
  /** The same server behind a proxy on 127.0.0.1 (KAOZHAO_TRUST_PROXY=127.0.0.1). */
  let proxied: FastifyInstance;
  let proxiedConfig: TestServer['ctx']['config'];
  beforeAll(async () => {
    s = await startServer(backend, {
      processJobs: false,
      students: 60,
      config: { verifyFreeFailures: 3, verifyBackoffCapSeconds: 60, verifyFailuresPerAddressPerHour: 5 },
    });
    proxiedConfig = { ...s.ctx.config, trustProxy: ['127.0.0.1'] };
    proxied = await buildApp({ ...s.ctx, config: proxiedConfig }, { logStream: new PassThrough(), logLevel: 'warn' });
    await proxied.ready();
  });
  afterAll(async () => {
    await proxied?.close();
    await s?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const inject = (opts: InjectOptions) => s.app.inject(opts);
  /** A test clock for the database-backed limits: only Date is faked, and it stands still. */
  const clockAt = (ms: number) => vi.useFakeTimers({ toFake: ['Date'], now: ms });
  /** A moment in the first seconds of a clock minute (the per-client window), `days` ahead. */
  const minuteStart = (days: number) => Math.ceil(Date.now() / 60_000) * 60_000 + days * 86_400_000 + 1_000;

  const verify = (app: FastifyInstance, index: number, idNumber: string, remoteAddress: string, xff?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/student/verify',
      remoteAddress,
      ...(xff ? { headers: { 'x-forwarded-for': xff } } : {}),
      payload: { studentNumber: s.demo.students[index]!.studentNumber, idNumber },
    });
  /** A well-formed ID number that is not student `index`'s. */
  const wrongId = (index: number, k = 0) => {
    const n = s.demo.students.length;
    return s.demo.students[(index + 1 + (k % (n - 1))) % n]!.idNumber;
  };

  describe('client addresses', () => {
    it('ignores a rotating X-Forwarded-For by default: the per-client identify limit holds', async () => {
      clockAt(minuteStart(1));
      const limit = s.ctx.config.identifyPerIpPerMinute;
      const setLimit = (n: number) => {
        for (const c of [s.ctx.config, proxiedConfig])
          (c as { identifyPerIpPerMinute: number }).identifyPerIpPerMinute = n;
      };
      setLimit(4);
      try {
        const codes: number[] = [];
        for (let i = 0; i < 8; i++) {
          const r = await inject({
            method: 'POST',
            url: '/api/student/identify',
            remoteAddress: '203.0.113.10',
            headers: { 'x-forwarded-for': `10.0.${i}.1` },
            payload: { studentNumber: s.demo.students[i]!.studentNumber },
          });
          codes.push(r.statusCode);
        }
        expect(codes).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);

        // Behind a configured proxy the header names the client: each forged address is its own
        // client there, and from an address that is not the proxy the header is still ignored.
        const viaProxy: number[] = [];
        for (let i = 0; i < 8; i++) {
          const r = await proxied.inject({
            method: 'POST',
            url: '/api/student/identify',
            remoteAddress: '127.0.0.1',
            headers: { 'x-forwarded-for': `10.1.${i}.1` },
            payload: { studentNumber: s.demo.students[i]!.studentNumber },
          });
          viaProxy.push(r.statusCode);
        }
        expect(viaProxy).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
        const notProxy: number[] = [];
        for (let i = 0; i < 6; i++) {
          const r = await proxied.inject({
            method: 'POST',
            url: '/api/student/identify',
            remoteAddress: '203.0.113.11',
            headers: { 'x-forwarded-for': `10.2.${i}.1` },
            payload: { studentNumber: s.demo.students[i]!.studentNumber },
          });
          notProxy.push(r.statusCode);
        }
        expect(notProxy).toEqual([200, 200, 200, 200, 429, 429]);
      } finally {
        setLimit(limit);
      }
    });

    it('ignores a rotating X-Forwarded-For by default: the admin login limit holds', async () => {
      const login = (app: FastifyInstance, i: number, remoteAddress: string) =>
        app.inject({
          method: 'POST',
          url: '/api/admin/login',
          remoteAddress,
          headers: { 'x-forwarded-for': `10.3.${i}.1` },
          // A different unknown account each time: only the per-address limit is in play.
          payload: { username: `nobody${i}`, password: 'wrong-password-123' },
        });
      const direct: number[] = [];
      for (let i = 0; i < 23; i++) direct.push((await login(s.app, i, '203.0.113.20')).statusCode);
      expect(direct.slice(0, 20).every((c) => c === 401)).toBe(true);
      expect(direct.slice(20)).toEqual([429, 429, 429]);
      const viaProxy: number[] = [];
      for (let i = 0; i < 23; i++) viaProxy.push((await login(proxied, i, '127.0.0.1')).statusCode);
      expect(viaProxy.every((c) => c === 401)).toBe(true);
    });

    it('keeps the real address in the consent record and the log', async () => {
      const st = s.demo.students[40]!;
      const forged = '10.66.77.88';
      const send = (app: FastifyInstance, remoteAddress: string, path: string, payload: object, cookie?: string) =>
        app.inject({
          method: 'POST',
          url: path,
          remoteAddress,
          headers: { 'x-forwarded-for': forged, ...(cookie ? { cookie } : {}) },
          payload,
        });
      const ok = await send(s.app, '203.0.113.30', '/api/student/verify', {
        studentNumber: st.studentNumber,
        idNumber: st.idNumber,
      });
      expect(ok.statusCode).toBe(200);
      const cookie = cookieOf(ok, 'kz_sid');
      const consent = await send(
        s.app,
        '203.0.113.30',
        '/api/student/consent',
        { version: s.ctx.config.agreementVersion },
        cookie,
      );
      expect(consent.statusCode).toBe(200);
      // Through the configured proxy the forwarded address is the client's.
      const st2 = s.demo.students[41]!;
      const ok2 = await send(proxied, '127.0.0.1', '/api/student/verify', {
        studentNumber: st2.studentNumber,
        idNumber: st2.idNumber,
      });
      const consent2 = await send(
        proxied,
        '127.0.0.1',
        '/api/student/consent',
        { version: s.ctx.config.agreementVersion },
        cookieOf(ok2, 'kz_sid'),
      );
      expect(consent2.statusCode).toBe(200);
      const ips = await rows<{ studentId: number; ip: string }>(
        s.database.db,
        sql`SELECT student_id::int AS "studentId", ip FROM consents WHERE student_id IN (${st.id}, ${st2.id})`,
      );
      expect(ips.find((r) => r.studentId === st.id)?.ip).toBe('203.0.113.30');
      expect(ips.find((r) => r.studentId === st2.id)?.ip).toBe(forged);
      expect(s.logs()).toContain('203.0.113.30');
      expect(s.logs()).not.toContain(forged);
    });
  });

  describe('wrong ID numbers', () => {
    it('slow a student number down but never lock the right ID number out for longer than the cap', async () => {
      const t0 = minuteStart(2);
      clockAt(t0);
      const me = 0;
      const st = s.demo.students[me]!;
      // 20 wrong numbers from 20 addresses (the finding): the first 3 are answered, the rest wait.
      const codes: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await verify(s.app, me, wrongId(me, i), `198.18.0.${i + 1}`);
        codes.push(r.statusCode);
        if (r.statusCode === 429) {
          expect(r.json().code).toBe('student.verify_wait');
          expect(r.json().message).toMatch(/请 \d+ 秒后再试/);
          const after = Number(r.headers['retry-after']);
          expect(after).toBeGreaterThan(0);
          expect(after).toBeLessThanOrEqual(60);
        }
      }
      expect(codes).toEqual([401, 401, 401, ...Array(17).fill(429)]);
      // Right now the right number waits too (else a 200 would tell the guess apart) …
      const early = await verify(s.app, me, st.idNumber, '192.0.2.7');
      expect(early.statusCode).toBe(429);
      const wait = Number(early.headers['retry-after']);
      expect(wait).toBeLessThanOrEqual(60);
      // … and once its wait is over, from the student's own phone, it is in.
      clockAt(t0 + wait * 1000);
      const ok = await verify(s.app, me, st.idNumber, '192.0.2.7');
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.cookies.some((c) => c.name === 'kz_sid')).toBe(true);

      // An attacker who keeps guessing, each time the moment the wait ends, from a new address
      // each time: the wait grows to the cap and stays there, and the student still gets in.
      let now = t0 + wait * 1000;
      let guesses = 0;
      let refusedRight = 0;
      for (let i = 0; now < t0 + 3_600_000; i++) {
        const r = await verify(s.app, me, wrongId(me, i), `198.19.${i >> 8}.${i & 255}`);
        if (r.statusCode === 401) {
          guesses++;
          continue;
        }
        expect(r.statusCode).toBe(429);
        const after = Number(r.headers['retry-after']);
        expect(after).toBeLessThanOrEqual(60);
        now += after * 1000;
        clockAt(now);
        if (i % 10 === 5) {
          // The student tries in between: at most the cap after the last guess, in.
          const right = await verify(s.app, me, st.idNumber, '192.0.2.7');
          if (right.statusCode === 429) {
            refusedRight++;
            expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(60);
          } else {
            expect(right.statusCode).toBe(200);
          }
        }
      }
      // Distributed guessing is bounded by the cap: about one guess a minute per student number.
      expect(guesses).toBeLessThanOrEqual(3 + 60 + 6);
      expect(guesses).toBeGreaterThan(30);
      expect(refusedRight).toBe(0);
    });

    it('limits one address strictly per student, without touching the student elsewhere', async () => {
      const t0 = minuteStart(3);
      let now = t0;
      clockAt(now);
      const me = 1;
      const st = s.demo.students[me]!;
      const here = '198.18.1.1';
      const answered: number[] = [];
      for (let i = 0; answered.length < 5; i++) {
        const r = await verify(s.app, me, wrongId(me, i), here);
        if (r.statusCode === 429) {
          now += Number(r.headers['retry-after']) * 1000;
          clockAt(now);
        } else {
          answered.push(r.statusCode);
        }
      }
      expect(answered).toEqual([401, 401, 401, 401, 401]);
      // Past any backoff: this address is still refused for this student, for about an hour.
      now += 61_000;
      clockAt(now);
      const blocked = await verify(s.app, me, st.idNumber, here);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().code).toBe('student.verify_wait');
      expect(blocked.json().message).toMatch(/请 \d+ 分钟后再试/);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(50 * 60);
      // The same address signs another student in, and the student signs in from elsewhere.
      expect((await verify(s.app, 2, s.demo.students[2]!.idNumber, here)).statusCode).toBe(200);
      expect((await verify(s.app, me, st.idNumber, '192.0.2.8')).statusCode).toBe(200);
      // An hour after its first failure the address is answered again.
      clockAt(t0 + 3_600_000 + 1_000);
      expect((await verify(s.app, me, st.idNumber, here)).statusCode).toBe(200);
    });

    it('counts parallel guesses one at a time, and right numbers not at all', async () => {
      clockAt(minuteStart(4));
      const me = 3;
      const st = s.demo.students[me]!;
      for (let i = 0; i < 6; i++) expect((await verify(s.app, me, st.idNumber, '192.0.2.9')).statusCode).toBe(200);
      const parallel = await Promise.all(
        Array.from({ length: 10 }, (_, i) => verify(s.app, me, wrongId(me, i), `198.18.3.${i + 1}`)),
      );
      const codes = parallel.map((r) => r.statusCode).sort();
      expect(codes).toEqual([401, 401, 401, ...Array(7).fill(429)]);
    });
  });

  describe('uploads', () => {
    const upload = (cookie: string, bytes: Uint8Array = JPEG_HEAD) => {
      const m = multipart('photo', 'me.jpg', bytes, 'image/jpeg');
      return inject({
        method: 'POST',
        url: '/api/student/photos',
        headers: { cookie, ...m.headers },
        payload: m.payload,
      });
    };
    /** The photo job ends as the engine leaves a photo it could not read. */
    const finish = (id: string) =>
      s.ctx.repos.photos.completeIfProcessing(id, {
        status: 'failed',
        errorCode: 'image.corrupt',
        progress: 1,
        processedAt: new Date(),
      });

    it('takes one photo at a time per student and at most 10 in 10 minutes, refusing the rest clearly', async () => {
      const cookie = await studentLogin(s, 10);
      const codes: number[] = [];
      const bodies: { id?: string; code?: string; message?: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await upload(cookie);
        codes.push(r.statusCode);
        bodies.push(r.json());
      }
      expect(codes).toEqual([202, ...Array(11).fill(409)]);
      for (const b of bodies.slice(1)) {
        expect(b.code).toBe('photo.processing');
        expect(b.message).toMatch(/正在制作中/);
      }
      // Nothing lost: the first photo is still being made, with its source.
      const first = bodies[0]!.id!;
      const list = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
      expect(list.json().items.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
        [first, 'processing'],
      ]);
      expect(await s.ctx.storage.get(`${first}/source`)).not.toBeNull();

      // Once it is done the next one is taken, and so on up to the rate.
      await finish(first);
      let accepted = 1;
      for (;;) {
        const r = await upload(cookie);
        if (r.statusCode !== 202) {
          expect(r.statusCode).toBe(429);
          expect(r.json().code).toBe('photo.upload_rate');
          expect(r.json().message).toMatch(/请 \d+ (秒|分钟)后再试/);
          const after = Number(r.headers['retry-after']);
          expect(after).toBeGreaterThan(0);
          expect(after).toBeLessThanOrEqual(600);
          break;
        }
        accepted++;
        await finish(r.json().id);
      }
      expect(accepted).toBe(10);
      const all = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
      expect(all.json().items).toHaveLength(10);
    });

    it('admits one of several parallel uploads of one student', async () => {
      const cookie = await studentLogin(s, 11);
      const codes = (await Promise.all(Array.from({ length: 5 }, () => upload(cookie)))).map((r) => r.statusCode);
      expect(codes.sort()).toEqual([202, 409, 409, 409, 409]);
      // Another student is not held up by it.
      expect((await upload(await studentLogin(s, 12))).statusCode).toBe(202);
    });

    it('answers two files in one upload with a clear 400, not "too large"', async () => {
      const cookie = await studentLogin(s, 13);
      const boundary = '----kztwofiles';
      const part = (name: string) =>
        Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`,
          ),
          JPEG_HEAD,
          Buffer.from('\r\n'),
        ]);
      const payload = Buffer.concat([part('a.jpg'), part('b.jpg'), Buffer.from(`--${boundary}--\r\n`)]);
      const r = await inject({
        method: 'POST',
        url: '/api/student/photos',
        headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('request.multiple_files');
      expect(r.json().message).toMatch(/一个文件/);
      const list = await inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
      expect(list.json().items).toEqual([]);
    });
  });
});
