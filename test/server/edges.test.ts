// The edges a browser meets (issue 18, findings 5, 6 and 10): security headers on the web apps
// and the API, no caching of photos and personal data, the same-origin rule for writes, Secure
// cookies over HTTPS, and bad ids answered as bad input instead of a database error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { FACE_DESCRIPTION_LENGTH } from '../../src/photo/similarity.js';
import { buildApp } from '../../src/server/app.js';
import {
  adminLogin,
  BACKENDS,
  cookieOf,
  readyPhoto,
  refused,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const HAN = /[\u4e00-\u9fff]/;

describe.each(BACKENDS)('browser-facing edges on $name', (backend) => {
  let s: TestServer;
  let hq: string;
  let student: string;
  let photoId: string;
  let web: string;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 20, adminPassword: 'kaozhao-demo' });
    hq = await adminLogin(s, 'hq');
    student = await studentLogin(s, 0);
    photoId = await readyPhoto(s, 0, 'warn');
    expect((await submitPhoto(s, student, photoId, 'blue')).statusCode).toBe(200);
    web = mkdtempSync(path.join(os.tmpdir(), 'kz-web-'));
    for (const app of ['student', 'admin']) {
      mkdirSync(path.join(web, 'web', app, 'dist', 'assets'), { recursive: true });
      writeFileSync(path.join(web, 'web', app, 'dist', 'index.html'), `<html>${app} app</html>`);
      writeFileSync(path.join(web, 'web', app, 'dist', 'assets', 'main.js'), `console.log('${app}')`);
    }
  });
  afterAll(async () => {
    await s?.close();
    if (web) rmSync(web, { recursive: true, force: true });
  });
  const as = (cookie: string, opts: InjectOptions) =>
    s.app.inject({ ...opts, headers: { ...(opts.headers ?? {}), cookie } });

  describe('headers', () => {
    it('sends CSP with frame-ancestors none, X-Frame-Options DENY, nosniff and a referrer policy everywhere', async () => {
      const app = await buildApp(s.ctx, { logStream: new PassThrough(), webRoot: web });
      try {
        for (const url of ['/', '/admin/', '/admin/reviews', '/assets/main.js', '/api/campaign', '/docs', '/healthz']) {
          const r = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
          expect(r.statusCode, url).toBeLessThan(400);
          const csp = String(r.headers['content-security-policy']);
          expect(csp, url).toContain("frame-ancestors 'none'");
          expect(csp, url).toContain("script-src 'self'");
          expect(csp, url).toContain("object-src 'none'");
          expect(csp, url).not.toContain('unsafe-eval');
          expect(csp, url).not.toContain('upgrade-insecure-requests');
          expect(r.headers['x-frame-options'], url).toBe('DENY');
          expect(r.headers['x-content-type-options'], url).toBe('nosniff');
          expect(r.headers['referrer-policy'], url).toBe('same-origin');
          expect(String(r.headers['permissions-policy']), url).toContain('camera=(self)');
        }
        // Refusals carry them too.
        const missing = await app.inject({ method: 'GET', url: '/api/nope' });
        expect(missing.statusCode).toBe(404);
        expect(missing.headers['x-frame-options']).toBe('DENY');
      } finally {
        await app.close();
      }
    });

    it('keeps hashed web assets cacheable and marks API answers and photo files no-store', async () => {
      const app = await buildApp(s.ctx, { logStream: new PassThrough(), webRoot: web });
      try {
        const asset = await app.inject({ method: 'GET', url: '/admin/assets/main.js' });
        expect(asset.headers['cache-control']).toContain('immutable');
      } finally {
        await app.close();
      }
      const personal: [string, string][] = [
        [student, '/api/student/me'],
        [student, '/api/student/photos'],
        [student, `/api/student/photos/${photoId}`],
        [student, `/api/student/photos/${photoId}/files/blue.jpg`],
        [hq, `/api/admin/photos/${photoId}/files/blue.jpg`],
        [hq, `/api/admin/units/${s.demo.hqId}/uncollected`],
        [hq, `/api/admin/units/${s.demo.hqId}/uncollected?format=xlsx`],
        [hq, '/api/admin/reviews'],
        [hq, '/api/admin/exports/photos'],
        [hq, '/api/admin/me'],
      ];
      for (const [cookie, url] of personal) {
        const r = await as(cookie, { method: 'GET', url });
        expect(r.statusCode, url).toBe(200);
        expect(r.headers['cache-control'], url).toBe('no-store');
      }
      // Refusals too: a 401 must not be cached in place of the page after the next sign-in.
      const anon = await s.app.inject({ method: 'GET', url: '/api/student/me' });
      expect(anon.statusCode).toBe(401);
      expect(anon.headers['cache-control']).toBe('no-store');
    });
  });

  describe('bad ids answer 400, never 500', () => {
    const bad: [InjectOptions['method'], string, Record<string, unknown>?][] = [
      ['GET', '/api/admin/progress?unitId=2147483648'],
      ['GET', '/api/admin/progress?unitId=99999999999999999999'],
      ['GET', '/api/admin/progress?campaignId=zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
      ['GET', '/api/admin/progress?campaignId=urn:uuid:00000000-0000-0000-0000-000000000000'],
      ['GET', '/api/admin/units/2147483648/uncollected'],
      ['GET', '/api/admin/units/1/uncollected?after=9223372036854775808'],
      ['GET', '/api/admin/audit?offset=9223372036854775808'],
      ['GET', '/api/admin/admins?offset=1e30'],
      ['GET', '/api/admin/reviews?campaignId=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
      ['GET', '/api/admin/reviews?offset=99999999999999999999'],
      ['GET', '/api/admin/exports/photos?unitId=2147483648'],
      ['PATCH', '/api/admin/admins/2147483648', { displayName: '某人' }],
      ['PATCH', '/api/admin/units/2147483648', { name: '某单位' }],
      ['POST', '/api/admin/units', { parentId: 2147483648, code: 'X1', name: '某单位' }],
      [
        'POST',
        '/api/admin/admins',
        {
          username: 'edge1',
          displayName: '某人',
          role: 'centre',
          unitId: 2147483648,
          password: 'a-long-enough-pass-2031',
        },
      ],
    ];
    it.each(bad)('%s %s', async (method, url, payload) => {
      refused(await as(hq, { method, url, ...(payload ? { payload } : {}) }), 400, 'request.invalid');
    });

    it('PUT /api/admin/campaigns/{36-char non-UUID} and a student photo id', async () => {
      const campaign = {
        name: '边界活动',
        semester: '2031-1',
        startsAt: '2031-03-01T00:00:00.000Z',
        endsAt: '2031-04-30T00:00:00.000Z',
        specId: 'chsi',
        exemptionSemesters: 2,
        support: [],
      };
      const put = await as(hq, {
        method: 'PUT',
        url: '/api/admin/campaigns/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
        payload: campaign,
      });
      refused(put, 400, 'request.invalid');
      const submit = await submitPhoto(s, student, 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', 'blue');
      refused(submit, 400, 'request.invalid');
      // In range but absent: 404 as before.
      const absent = await as(hq, { method: 'PATCH', url: '/api/admin/units/2147483647', payload: { name: '某单位' } });
      expect(absent.statusCode).toBe(404);
      expect(s.logs()).not.toContain('"level":50');
    });
  });

  it('tells a reviewer that a duplicate exists outside their scope, but not whose it is', async (ctx) => {
    if (!s.ctx.repos.faceIndex.available) ctx.skip();
    // One face under two identities: student 6 (centre C3, branch 2) first, then student 5 (C2, branch 1).
    const face = Array.from({ length: FACE_DESCRIPTION_LENGTH }, (_, i) => Math.sin(i + 1));
    const submitWith = async (i: number) => {
      const id = await readyPhoto(s, i, 'pass');
      await s.ctx.repos.photos.update(id, { embedding: face });
      const r = await submitPhoto(s, await studentLogin(s, i), id, 'blue');
      expect(r.statusCode, r.body).toBe(200);
      return { id, status: r.json().status as string };
    };
    const original = await submitWith(6);
    const copy = await submitWith(5);
    expect([original.status, copy.status]).toEqual(['approved', 'needs_review']);
    const twin = s.demo.students[6]!;
    const queueOf = async (user: string) => {
      const r = await as(await adminLogin(s, user), { method: 'GET', url: '/api/admin/reviews?limit=200' });
      expect(r.statusCode).toBe(200);
      return { body: r.body, item: r.json().items.find((x: { photoId: string }) => x.photoId === copy.id) };
    };
    // Branch 1's reviewer: the warning and the similarity, nobody's number, centre or photo.
    const branch = await queueOf('reviewer1');
    expect(branch.item.duplicateOf).toEqual({ studentNumber: null, centreName: null, similarity: 1, photoUrl: null });
    expect(branch.body).not.toContain(twin.studentNumber);
    expect(branch.body).not.toContain(original.id);
    // HQ holds both branches and sees who it is.
    const hqView = await queueOf('hq');
    expect(hqView.item.duplicateOf).toMatchObject({ studentNumber: twin.studentNumber, similarity: 1 });
    expect(hqView.item.duplicateOf.centreName).toMatch(HAN);
    expect(hqView.item.duplicateOf.photoUrl).toContain(original.id);
  });

  describe('same-origin writes (CSRF)', () => {
    it('refuses a state change from another site, keeps the session, and accepts its own origin', async () => {
      const admin = await adminLogin(s, 'branch1');
      for (const origin of ['https://evil.example', 'http://localhost.evil.example', 'null', 'http://localhost:8080']) {
        const out = await as(admin, { method: 'POST', url: '/api/admin/logout', headers: { origin }, payload: {} });
        refused(out, 403, 'request.cross_origin');
      }
      const student2 = await studentLogin(s, 1, false);
      const consent = await as(student2, {
        method: 'POST',
        url: '/api/student/consent',
        headers: { origin: 'https://evil.example' },
        payload: { version: s.ctx.config.agreementVersion },
      });
      refused(consent, 403, 'request.cross_origin');
      // A cross-site login is refused too (login CSRF signs a victim into the attacker's account).
      const login = await s.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        headers: { origin: 'https://evil.example' },
        payload: { username: 'hq', password: 'kaozhao-demo' },
      });
      refused(login, 403, 'request.cross_origin');
      // Nothing happened: the session still works.
      expect((await as(admin, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(200);
      expect((await as(student2, { method: 'GET', url: '/api/student/me' })).json().consentVersion).toBeNull();

      // The browser on the site itself: Origin equals the Host it asked.
      const own = await as(admin, {
        method: 'POST',
        url: '/api/admin/logout',
        headers: { origin: 'http://kaozhao.example.edu.cn', host: 'kaozhao.example.edu.cn' },
        payload: {},
      });
      expect(own.statusCode).toBe(200);
      expect((await as(admin, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(401);
    });

    it('refuses a write with neither Origin nor a JSON or multipart body, such as a text/plain sign-out', async () => {
      const admin = await adminLogin(s, 'branch1');
      const plain = await as(admin, {
        method: 'POST',
        url: '/api/admin/logout',
        headers: { 'content-type': 'text/plain' },
        payload: '{}',
      });
      refused(plain, 403, 'request.origin_required');
      const form = await s.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=hq&password=kaozhao-demo',
      });
      refused(form, 403, 'request.origin_required');
      const bare = await as(admin, { method: 'POST', url: '/api/admin/logout' });
      refused(bare, 403, 'request.origin_required');
      expect((await as(admin, { method: 'GET', url: '/api/admin/me' })).statusCode).toBe(200);
      // Reads are not affected, and a JSON write without Origin (a script, app.inject) still works.
      const json = await as(admin, { method: 'POST', url: '/api/admin/logout', payload: {} });
      expect(json.statusCode).toBe(200);
    });
  });
});

describe.each(BACKENDS)('Secure cookies on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, {
      processJobs: false,
      students: 5,
      adminPassword: 'kaozhao-demo',
      config: { trustProxy: ['127.0.0.1'] },
    });
  });
  afterAll(async () => {
    await s?.close();
  });
  const verify = (headers: Record<string, string>, remoteAddress = '127.0.0.1') => {
    const st = s.demo.students[0]!;
    return s.app.inject({
      method: 'POST',
      url: '/api/student/verify',
      remoteAddress,
      headers,
      payload: { studentNumber: st.studentNumber, idNumber: st.idNumber },
    });
  };
  const secureOf = (r: LightMyRequestResponse, name: string) => {
    expect(r.statusCode).toBe(200);
    cookieOf(r, name);
    return r.cookies.find((c) => c.name === name)!.secure === true;
  };

  it('sets Secure when the request came over HTTPS through a trusted proxy, not over plain HTTP', async () => {
    expect(secureOf(await verify({ 'x-forwarded-proto': 'https' }), 'kz_sid')).toBe(true);
    expect(secureOf(await verify({}), 'kz_sid')).toBe(false);
    // The header from anyone else is not believed.
    expect(secureOf(await verify({ 'x-forwarded-proto': 'https' }, '203.0.113.7'), 'kz_sid')).toBe(false);
    const admin = await s.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'hq', password: 'kaozhao-demo' },
    });
    expect(secureOf(admin, 'kz_admin')).toBe(true);
  });

  it('sets Secure always under NODE_ENV=production or KAOZHAO_SECURE_COOKIES=1', async () => {
    const env = { NODE_ENV: process.env.NODE_ENV, KAOZHAO_SECURE_COOKIES: process.env.KAOZHAO_SECURE_COOKIES };
    const config = (vars: Record<string, string | undefined>) => {
      try {
        for (const [k, v] of Object.entries(vars)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        return loadConfig({ dataDir: s.ctx.config.dataDir, secret: s.ctx.config.secret });
      } finally {
        for (const [k, v] of Object.entries(env)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    };
    expect(config({ NODE_ENV: 'production', KAOZHAO_SECURE_COOKIES: undefined }).secureCookies).toBe(true);
    expect(config({ NODE_ENV: 'development', KAOZHAO_SECURE_COOKIES: '1' }).secureCookies).toBe(true);
    expect(config({ NODE_ENV: 'development', KAOZHAO_SECURE_COOKIES: undefined }).secureCookies).toBe(false);

    const secure = config({ NODE_ENV: 'production', KAOZHAO_SECURE_COOKIES: undefined }).secureCookies;
    const prev = s.ctx.config.secureCookies;
    s.ctx.config.secureCookies = secure;
    try {
      expect(secureOf(await verify({}), 'kz_sid')).toBe(true);
    } finally {
      s.ctx.config.secureCookies = prev;
    }
  });
});
