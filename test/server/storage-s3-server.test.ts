// The server with KAOZHAO_STORAGE=s3 on a real S3-protocol server (s3rver): a student's real photo
// goes through the engine, its files are in the bucket and served back through the API byte for
// byte, and erasing the student empties the bucket of them. On PostgreSQL with the durable queue
// too when TEST_DATABASE_URL is set: the scale-out setting (shared database, shared bucket).
// A wrong bucket stops the start with a clear message.
import os from 'node:os';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { createInProcessQueue } from '../../src/jobs/photo-queue.js';
import { createContext } from '../../src/server/context.js';
import { createS3Storage, type S3Storage } from '../../src/server/repositories/s3-storage.repository.js';
import { haveFaces, readFace } from '../faces.js';
import { startS3Server, type TestS3Server } from '../support/s3-server.js';
import { adminLogin, BACKENDS, multipart, startServer, studentLogin, type TestServer, until } from './harness.js';

async function keysOf(s: S3Storage): Promise<string[]> {
  const out: string[] = [];
  for await (const k of s.keys()) out.push(k);
  return out.sort();
}

describe.skipIf(!haveFaces).each(BACKENDS)('the server on an S3 bucket ($name)', (backend) => {
  let s3: TestS3Server;
  let bucket: S3Storage;
  let s: TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
    bucket = createS3Storage(s3.settings);
    s = await startServer(backend, { durableQueue: true, config: { storage: 's3', s3: s3.settings } });
  });
  afterAll(async () => {
    await s?.close();
    bucket?.close();
    await s3?.close();
  });

  it('makes an uploaded photo into the bucket, serves it back, and erasure empties the bucket of it', async () => {
    const index = 30;
    const st = s.demo.students[index]!;
    const cookie = await studentLogin(s, index);
    const m = multipart('photo', 'me.jpg', readFace('portraits/slinko__without_glasses__11.jpg'), 'image/jpeg');
    const up = await s.app.inject({
      method: 'POST',
      url: '/api/student/photos',
      headers: { cookie, ...m.headers },
      payload: m.payload,
    });
    expect(up.statusCode, up.body).toBe(202);
    const id: string = up.json().id;
    const done = await until<{ status: string; photos: Record<string, string> }>('the photo to be made', async () => {
      const r = await s.app.inject({ method: 'GET', url: `/api/student/photos/${id}`, headers: { cookie } });
      return r.json().status === 'processing' ? undefined : r.json();
    });
    expect(done.status).toBe('ready');

    // Served through the API from the bucket: the same bytes as the object, a 480×640 JPEG.
    const blue = await s.app.inject({ method: 'GET', url: done.photos.blue, headers: { cookie } });
    expect(blue.statusCode).toBe(200);
    const meta = await sharp(blue.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 480, 640]);
    const object = await bucket.get(`${id}/blue.jpg`);
    expect(object && Buffer.from(object).equals(blue.rawPayload)).toBe(true);
    // The phone photo is dropped once the attempt is made (from the bucket, as from any storage).
    await until('the source to be dropped', async () =>
      (await bucket.get(`${id}/source`)) === null ? true : undefined,
    );
    expect((await keysOf(bucket)).filter((k) => k.startsWith(`${id}/`))).toEqual([
      `${id}/blue.jpg`,
      `${id}/cutout.png`,
      `${id}/gray.jpg`,
      `${id}/white.jpg`,
    ]);

    const hq = await adminLogin(s, 'hq');
    const erased = await s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${st.studentNumber}/erase`,
      headers: { cookie: hq },
      payload: { confirm: st.studentNumber },
    });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(erased.json()).toMatchObject({ erased: true, photos: 1 });
    expect((await keysOf(bucket)).filter((k) => k.startsWith(`${id}/`))).toEqual([]);
  });
});

describe('the server start with KAOZHAO_STORAGE=s3', () => {
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('stops with the bucket named when it does not exist', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      await migrateDatabase(database);
      const config = loadConfig({
        dataDir: os.tmpdir(),
        databaseUrl: undefined,
        secret: 'test-secret-0123456789abcdef0123456789abcdef',
        storage: 's3',
        s3: { ...s3.settings, bucket: 'kaozhao-missing' },
      });
      await expect(
        createContext(config, database, { processJobs: false, queue: createInProcessQueue() }),
      ).rejects.toThrow('object storage: bucket "kaozhao-missing" does not exist (KAOZHAO_S3_BUCKET)');
    } finally {
      await database.close();
    }
  });
});
