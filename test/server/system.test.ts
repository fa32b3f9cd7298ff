import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { BACKENDS, startServer, type TestServer } from './harness.js';

describe.each(BACKENDS)('health, API description, web apps and errors on $name', (backend) => {
  let s: TestServer;
  let web: string;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 20 });
    web = mkdtempSync(path.join(os.tmpdir(), 'kz-web-'));
    for (const app of ['student', 'admin']) {
      mkdirSync(path.join(web, 'web', app, 'dist', 'assets'), { recursive: true });
      writeFileSync(path.join(web, 'web', app, 'dist', 'index.html'), `<html>${app} app</html>`);
      writeFileSync(path.join(web, 'web', app, 'dist', 'assets', 'main.js'), `console.log('${app}')`);
    }
  });
  afterAll(async () => {
    await s?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('answers the health check', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ ok: true, database: backend.name });
  });

  it('describes every endpoint at /docs', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/docs/json' });
    const paths = Object.keys(r.json().paths);
    for (const p of [
      '/api/campaign',
      '/api/student/identify',
      '/api/student/verify',
      '/api/student/photos',
      '/api/student/photos/{id}/submit',
      '/api/admin/progress',
      '/api/admin/units/{unitId}/uncollected',
      '/api/admin/reviews/{photoId}',
      '/api/admin/exports/photos',
      '/api/admin/roster',
    ]) {
      expect(paths).toContain(p);
    }
    const ui = await s.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });

  it('serves the built student app at / and the admin console at /admin, with SPA fallbacks', async () => {
    const app = await buildApp(s.ctx, { logStream: new PassThrough(), webRoot: web });
    try {
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      // A page load once held 11 'close' listeners on its response (the static plugin's lookup ran
      // twice): Node warns of a leak.
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      expect((await get('/admin/reviews')).headers['content-type']).toMatch(/^text\/html/);
      await new Promise((r) => setTimeout(r, 50));
      process.off('warning', onWarning);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect((await get('/')).body).toContain('student app');
      expect((await get('/photos/123')).body).toContain('student app');
      expect((await get('/assets/main.js')).body).toContain("console.log('student')");
      expect((await get('/admin/')).body).toContain('admin app');
      expect((await get('/admin/reviews')).body).toContain('admin app');
      const api = await get('/api/nope');
      expect(api.statusCode).toBe(404);
      expect(api.json().code).toBe('request.not_found');
    } finally {
      await app.close();
    }
  });

  it('hides internals on a 5xx', async () => {
    const logs = new PassThrough();
    let text = '';
    logs.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const app = await buildApp(s.ctx, { logStream: logs });
    app.get('/boom', async () => {
      throw new Error('duplicate key value (student_number)=(2601000001) secret detail');
    });
    const r = await app.inject({ method: 'GET', url: '/boom' });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ code: 'internal', message: '系统出错，请稍后再试', messageEn: 'Internal error' });
    expect(r.body).not.toContain('secret');
    expect(text).not.toContain('2601000001');
    await app.close();
  });
});
