// Uploads through the real photo engine: the job runs on the worker pool (in-process on PGlite,
// through the pg-boss queue on PostgreSQL) and the result is served, submitted and listed.
import type { InjectOptions } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveFaces, readFace } from '../faces.js';
import { BACKENDS, multipart, startServer, studentLogin, submitPhoto, type TestServer, until } from './harness.js';

function waitDone(s: TestServer, cookie: string, id: string) {
  return until(
    'the photo to be processed',
    async () => {
      const r = await s.app.inject({ method: 'GET', url: `/api/student/photos/${id}`, headers: { cookie } });
      const body = r.json();
      return body.status === 'processing' ? undefined : body;
    },
    240_000,
    300,
  );
}

/** The source is deleted right after the row is updated: a reader may look in between. */
function sourceDropped(s: TestServer, id: string): Promise<boolean> {
  return until(
    'the source to be dropped',
    async () => ((await s.ctx.storage.get(`${id}/source`)) === null ? true : undefined),
    10_000,
    100,
  );
}

describe.skipIf(!haveFaces).each(BACKENDS)('photo upload through the engine on $name', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { durableQueue: true });
  });
  afterAll(async () => {
    await s?.close();
  });
  const inject = (opts: InjectOptions) => s.app.inject(opts);

  it('makes a photo per background and the cut-out, then submits it', async () => {
    const cookie = await studentLogin(s, 20);
    const m = multipart('photo', 'me.jpg', readFace('portraits/slinko__without_glasses__11.jpg'), 'image/jpeg');
    const up = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode).toBe(202);
    const done = await waitDone(s, cookie, up.json().id);
    expect(done.status).toBe('ready');
    expect(['pass', 'warn', 'fail']).toContain(done.verdict);
    expect(done.report.length).toBeGreaterThan(5);
    expect(Object.keys(done.photos).sort()).toEqual(['blue', 'gray', 'white']);
    const blue = await inject({ method: 'GET', url: done.photos.blue, headers: { cookie } });
    expect(blue.statusCode).toBe(200);
    const meta = await sharp(blue.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 480, 640]);
    const cut = await inject({ method: 'GET', url: done.cutout, headers: { cookie } });
    expect((await sharp(cut.rawPayload).metadata()).channels).toBe(4);

    const events = await inject({ method: 'GET', url: `/api/student/photos/${done.id}/events`, headers: { cookie } });
    expect(events.headers['content-type']).toMatch(/text\/event-stream/);
    expect(events.body).toContain('event: attempt');
    expect(events.body).toContain('"status":"ready"');

    const sub = await submitPhoto(s, cookie, done.id, 'blue');
    if (done.verdict === 'fail') {
      expect(sub.statusCode).toBe(422);
    } else {
      expect(sub.statusCode).toBe(200);
      expect(sub.json().status).toBe(done.verdict === 'pass' ? 'approved' : 'needs_review');
    }
    const row = await s.ctx.repos.photos.byId(done.id);
    expect(row?.embedding?.length).toBeGreaterThan(100);
    // The phone photo is not kept once the attempt is made; the outputs are.
    expect(await sourceDropped(s, done.id)).toBe(true);
    expect(await s.ctx.storage.get(`${done.id}/blue.jpg`)).not.toBeNull();
  });

  it('marks an undecodable image failed with the engine’s code', async () => {
    const cookie = await studentLogin(s, 21);
    const corrupt = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4000, 7)]);
    const m = multipart('photo', 'broken.jpg', corrupt, 'image/jpeg');
    const up = await inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode).toBe(202);
    const done = await waitDone(s, cookie, up.json().id);
    expect(done.status).toBe('failed');
    expect(done.error.code).toMatch(/^image\./);
    expect(done.error.message.length).toBeGreaterThan(4);
    expect(await sourceDropped(s, done.id)).toBe(true);
    const sub = await submitPhoto(s, cookie, done.id, 'blue');
    expect(sub.statusCode).toBe(422);
  });
});
