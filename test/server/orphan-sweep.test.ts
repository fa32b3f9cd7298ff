// Photos left `processing` with nothing to finish them, and the sweep that finishes them
// (src/jobs/photo-queue.ts): on PostgreSQL with the durable queue, a photo whose job was lost
// between the upload's commit and its enqueue is queued again and made; one whose job pg-boss gave
// up on is marked failed, so its student can upload again; a photo whose job is still waiting, or
// that was just uploaded, is left alone; and one process sweeps at a time. Embedded (PGlite and
// the in-process queue), an upload whose job never started is queued again too.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, rows } from '../../src/db/client.js';
import { PHOTO_JOB, sweepOrphanedPhotos } from '../../src/jobs/photo-queue.js';
import { type AppContext, createContext } from '../../src/server/context.js';
import { PHOTO_SWEEP_LOCK } from '../../src/server/repositories/lock.repository.js';
import { haveFaces, readFace } from '../faces.js';
import { multipart, refused, startServer, studentLogin, type TestServer, until } from './harness.js';

const url = process.env.TEST_DATABASE_URL;

/** A photo the upload accepts: a face when the shared photos are here, else a plain picture (made as "no face"). */
async function photoBytes(): Promise<Uint8Array> {
  if (haveFaces) return readFace('portraits/slinko__without_glasses__11.jpg');
  return sharp({ create: { width: 900, height: 1200, channels: 3, background: { r: 180, g: 160, b: 140 } } })
    .jpeg()
    .toBuffer();
}

async function upload(s: TestServer, cookie: string) {
  const m = multipart('photo', 'me.jpg', await photoBytes(), 'image/jpeg');
  return s.app.inject({
    method: 'POST',
    url: '/api/student/photos',
    headers: { cookie, ...m.headers },
    payload: m.payload,
  });
}

/** The sweep as a worker process runs it, with no grace period (the photos here are seconds old). */
const sweep = (s: TestServer, graceSeconds = 0) =>
  sweepOrphanedPhotos({
    database: s.database,
    queue: s.ctx.queue,
    photos: s.ctx.repos.photos,
    storage: s.ctx.storage,
    graceSeconds,
  });

describe.skipIf(!url)('orphaned photos on PostgreSQL with the durable queue', () => {
  let s: TestServer;
  beforeAll(async () => {
    // An API process that only enqueues: no job is taken unless a test starts a worker.
    s = await startServer({ name: 'postgres', url }, { durableQueue: true, processJobs: false, students: 20 });
  });
  afterAll(async () => {
    await s?.close();
  });

  const jobRows = (id: string) =>
    rows<{ state: string }>(s.database.db, sql`SELECT state::text AS state FROM pgboss.job WHERE id = ${id}::uuid`);
  const status = async (id: string) => (await s.ctx.repos.photos.byId(id))?.status;

  async function uploaded(index: number): Promise<{ id: string; cookie: string }> {
    const cookie = await studentLogin(s, index);
    const up = await upload(s, cookie);
    expect(up.statusCode, up.body).toBe(202);
    return { id: up.json().id, cookie };
  }

  it('queues again a photo whose enqueue was lost, and a worker then makes it', { timeout: 600_000 }, async () => {
    const { id, cookie } = await uploaded(0);
    // As if the database went away between the upload's commit and its enqueue: row and source
    // stored, no job.
    await s.database.db.execute(sql`DELETE FROM pgboss.job WHERE name = ${PHOTO_JOB} AND id = ${id}::uuid`);
    refused(await upload(s, cookie), 409, 'photo.processing');

    expect(await sweep(s)).toEqual({ requeued: 1, failed: 0 });
    expect(await jobRows(id)).toEqual([{ state: 'created' }]);

    const database = await openDatabase({ databaseUrl: s.ctx.config.databaseUrl });
    await migrateDatabase(database);
    let worker: AppContext | undefined;
    try {
      worker = await createContext(s.ctx.config, database, { processJobs: true });
      const done = await until(
        'the photo to be made',
        async () => ((await status(id)) === 'processing' ? undefined : status(id)),
        540_000,
      );
      expect(done).toBe('ready');
    } finally {
      await worker?.close();
      await database.close();
    }
  });

  it('marks failed a photo whose job pg-boss gave up on, so its student can upload again', async () => {
    const { id, cookie } = await uploaded(1);
    // What pg-boss leaves after the last allowed expiry (workers killed mid-photo each time), a
    // minute ago: the job failed, the photo still processing with the tries that were started.
    await s.ctx.repos.photos.update(id, { attempts: 4 });
    await s.database.db.execute(
      sql`UPDATE pgboss.job SET state = 'failed', retry_count = retry_limit, completed_on = now() - interval '1 minute'
          WHERE name = ${PHOTO_JOB} AND id = ${id}::uuid`,
    );
    refused(await upload(s, cookie), 409, 'photo.processing');

    expect(await sweep(s)).toEqual({ requeued: 0, failed: 1 });
    const p = await s.ctx.repos.photos.byId(id);
    expect([p?.status, p?.errorCode]).toEqual(['failed', 'engine.crashed']);
    // Its phone photo is dropped, as when the worker's own tries run out.
    expect(await s.ctx.storage.get(`${id}/source`)).toBeNull();
    // The job is not resurrected, and a second round changes nothing.
    expect(await jobRows(id)).toEqual([{ state: 'failed' }]);
    expect(await sweep(s)).toEqual({ requeued: 0, failed: 0 });

    const again = await upload(s, cookie);
    expect(again.statusCode, again.body).toBe(202);
    const list = await s.app.inject({ method: 'GET', url: '/api/student/photos', headers: { cookie } });
    const failed = list.json().items.find((a: { id: string }) => a.id === id);
    expect(failed.error.code).toBe('engine.crashed');
  });

  it('leaves alone a photo whose job waits or just ended, and one just uploaded', async () => {
    const tenMinutesOld = (id: string) =>
      s.database.db.execute(sql`UPDATE photos SET created_at = now() - interval '10 minutes' WHERE id = ${id}::uuid`);
    // Its job waits for a worker (a backlog): not an orphan however old the photo.
    const waiting = await uploaded(2);
    await tenMinutesOld(waiting.id);
    // Just uploaded, no job yet: the upload may be between its commit and its enqueue.
    const recent = await uploaded(3);
    await s.database.db.execute(sql`DELETE FROM pgboss.job WHERE id = ${recent.id}::uuid`);
    // Its job failed a moment ago: the last worker, past its expiry, may still be finishing it.
    const justFailed = await uploaded(4);
    await tenMinutesOld(justFailed.id);
    await s.ctx.repos.photos.update(justFailed.id, { attempts: 4 });
    await s.database.db.execute(
      sql`UPDATE pgboss.job SET state = 'failed', completed_on = now() WHERE id = ${justFailed.id}::uuid`,
    );
    // A job that ran and is gone (deleted or archived): enqueuing it again could loop for good.
    const ranAndGone = await uploaded(6);
    await s.ctx.repos.photos.update(ranAndGone.id, { attempts: 1 });
    await s.database.db.execute(sql`DELETE FROM pgboss.job WHERE id = ${ranAndGone.id}::uuid`);

    expect(await sweep(s, 120)).toEqual({ requeued: 0, failed: 0 });
    for (const p of [waiting, recent, justFailed, ranAndGone]) expect(await status(p.id)).toBe('processing');
    expect(await jobRows(recent.id)).toEqual([]);

    // Past the grace period, only the photo whose job waits is left alone.
    expect(await sweep(s)).toEqual({ requeued: 1, failed: 2 });
    expect(await status(waiting.id)).toBe('processing');
    expect(await jobRows(waiting.id)).toEqual([{ state: 'created' }]);
    expect(await jobRows(recent.id)).toEqual([{ state: 'created' }]);
    expect(await status(justFailed.id)).toBe('failed');
    expect(await status(ranAndGone.id)).toBe('failed');
  });

  it('sweeps in one process at a time', async () => {
    const { id } = await uploaded(5);
    await s.database.db.execute(sql`DELETE FROM pgboss.job WHERE id = ${id}::uuid`);
    // Another process in the middle of its round holds the lock.
    const other = new pg.Client({ connectionString: s.ctx.config.databaseUrl });
    await other.connect();
    try {
      const held = await other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PHOTO_SWEEP_LOCK]);
      expect(held.rows[0]?.ok).toBe(true);
      expect(await sweep(s)).toBeUndefined();
      expect(await jobRows(id)).toEqual([]);
      await other.query('SELECT pg_advisory_unlock($1)', [PHOTO_SWEEP_LOCK]);
    } finally {
      await other.end();
    }
    expect(await sweep(s)).toEqual({ requeued: 1, failed: 0 });
    expect(await jobRows(id)).toEqual([{ state: 'created' }]);
  });
});

describe('orphaned photos in the embedded mode (PGlite, in-process queue)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ name: 'pglite' }, { students: 20 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('queues again an upload whose job never started; without its source it fails, and the student can upload again', async () => {
    const student = s.demo.students[0]!;
    const cookie = await studentLogin(s, 0);
    // What an upload leaves when storing its phone photo failed (a full disk) after the row was
    // committed: a photo processing that the in-process queue never heard of.
    const p = await s.ctx.repos.photos.create({
      studentId: student.id,
      campaignId: s.demo.campaignId,
      status: 'processing',
      specId: 'chsi',
    });
    refused(await upload(s, cookie), 409, 'photo.processing');

    expect(await sweep(s)).toEqual({ requeued: 1, failed: 0 });
    await s.ctx.queue.idle();
    const after = await s.ctx.repos.photos.byId(p.id);
    expect([after?.status, after?.errorCode]).toEqual(['failed', 'engine.crashed']);
    // Finished: a second round finds nothing to do.
    expect(await sweep(s)).toEqual({ requeued: 0, failed: 0 });

    const again = await upload(s, cookie);
    expect(again.statusCode, again.body).toBe(202);
    await s.ctx.queue.idle();
  });
});

describe('embedded: a photo that took the process down with it', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ name: 'pglite' }, { students: 20 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('is not tried again after its last try: it fails and its student can upload again', async () => {
    const student = s.demo.students[1]!;
    const cookie = await studentLogin(s, 1);
    // Three tries started and none returned (each restart re-queued it): what requeueStuck finds
    // after the third crash.
    const p = await s.ctx.repos.photos.create({
      studentId: student.id,
      campaignId: s.demo.campaignId,
      status: 'processing',
      specId: 'chsi',
      attempts: 3,
    });
    await s.ctx.storage.put(`${p.id}/source`, await photoBytes());
    expect(await s.ctx.services.photo.requeueStuck()).toBe(1);
    await s.ctx.queue.idle();
    const after = await s.ctx.repos.photos.byId(p.id);
    expect([after?.status, after?.errorCode, after?.attempts]).toEqual(['failed', 'engine.crashed', 3]);
    expect(await s.ctx.storage.get(`${p.id}/source`)).toBeNull();
    const again = await upload(s, cookie);
    expect(again.statusCode, again.body).toBe(202);
    await s.ctx.queue.idle();
  });
});

describe('embedded: a job waiting in the in-process queue', () => {
  let s: TestServer;
  beforeAll(async () => {
    // No photo is taken here, so the job stays in the queue as behind a backlog.
    s = await startServer({ name: 'pglite' }, { students: 20, processJobs: false });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('is not an orphan, even after a try was started', async () => {
    const p = await s.ctx.repos.photos.create({
      studentId: s.demo.students[0]!.id,
      campaignId: s.demo.campaignId,
      status: 'processing',
      specId: 'chsi',
      attempts: 1,
    });
    await s.ctx.queue.enqueue({ photoId: p.id });
    expect(await sweep(s)).toEqual({ requeued: 0, failed: 0 });
    expect((await s.ctx.repos.photos.byId(p.id))?.status).toBe('processing');
  });
});
