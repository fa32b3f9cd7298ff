// Retention (KAOZHAO_RETENTION_DAYS): one sweep deletes the old rejected, failed and abandoned
// attempts and every old source file; the approved photo, a current rejected submission's row,
// anything recent and every counter stay. Real database (PGlite, and PostgreSQL when
// TEST_DATABASE_URL is set), real storage; the sweep is called directly (the timer only calls it).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { rows } from '../../src/db/client.js';
import type { ProgressResponse } from '../../src/domain/admin-api.js';
import { FACE_DESCRIPTION_LENGTH } from '../../src/photo/similarity.js';
import { createRetentionService, RETENTION_LOCK } from '../../src/server/services/retention.service.js';
import {
  adminLogin,
  BACKENDS,
  readyPhoto,
  startServer,
  studentLogin,
  submitPhoto,
  type TestServer,
} from './harness.js';

const SOURCE = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

interface Fixture {
  approved: string;
  currentRejected: string;
  awaitingReview: string;
  oldRejected: string;
  oldFailed: string;
  oldReady: string;
  oldProcessing: string;
  recentFailed: string;
  recentReady: string;
  /** Student index of the approved one, for the progress check. */
  approvedStudent: number;
}

/** Students who may submit: enrolled ones (the seed suspends a few). */
async function enrolled(s: TestServer, n: number): Promise<number[]> {
  const r = await rows<{ i: number }>(
    s.database.db,
    sql`SELECT id::int AS i FROM students WHERE enrolment_status = 'enrolled' ORDER BY id LIMIT ${n}`,
  );
  return r.map((x) => s.demo.students.findIndex((st) => st.id === x.i));
}

async function withSource(s: TestServer, id: string): Promise<string> {
  await s.ctx.storage.put(`${id}/source`, SOURCE);
  return id;
}

/** Every kind of attempt, old (60 days) and recent, each with a source file left behind. */
async function makeFixture(s: TestServer): Promise<Fixture> {
  const [a, b, c, d] = await enrolled(s, 4);
  const hq = await adminLogin(s, 'hq');
  const submit = async (idx: number, verdict: 'pass' | 'warn', expected: string) => {
    const id = await withSource(s, await readyPhoto(s, idx, verdict));
    // A face description, as the engine leaves one: a purge must not keep it.
    await s.ctx.repos.photos.update(id, {
      embedding: Array.from({ length: FACE_DESCRIPTION_LENGTH }, (_, k) => Math.sin(k + idx)),
    });
    const r = await submitPhoto(s, await studentLogin(s, idx), id, 'blue');
    expect([r.statusCode, r.json().status], r.body).toEqual([200, expected]);
    return id;
  };
  // Earlier attempts of the approved student: rejected, failed, made but never submitted, stuck.
  const oldRejected = await withSource(s, await readyPhoto(s, a!, 'warn'));
  await s.ctx.repos.photos.update(oldRejected, { status: 'rejected', reason: '背景不符' });
  const oldFailed = await withSource(s, await readyPhoto(s, a!, 'fail'));
  await s.ctx.repos.photos.update(oldFailed, { status: 'failed', errorCode: 'engine.no_face' });
  const oldReady = await withSource(s, await readyPhoto(s, a!, 'pass'));
  const oldProcessing = await withSource(s, await readyPhoto(s, a!, 'pass'));
  await s.ctx.repos.photos.update(oldProcessing, { status: 'processing', backgrounds: [] });
  const approved = await submit(a!, 'pass', 'approved');
  // A student whose current submission was rejected: the row stays for counts and the reason.
  const currentRejected = await submit(b!, 'warn', 'needs_review');
  const rej = await s.app.inject({
    method: 'POST',
    url: `/api/admin/reviews/${currentRejected}`,
    headers: { cookie: hq },
    payload: { decision: 'reject', reason: '头发遮挡眉毛，请整理后重拍' },
  });
  expect(rej.json()).toEqual({ photoId: currentRejected, status: 'rejected' });
  const awaitingReview = await submit(c!, 'warn', 'needs_review');
  // Recent: younger than the retention period, untouched whatever their state.
  const recentFailed = await withSource(s, await readyPhoto(s, d!, 'fail'));
  await s.ctx.repos.photos.update(recentFailed, { status: 'failed', errorCode: 'engine.no_face' });
  const recentReady = await withSource(s, await readyPhoto(s, d!, 'pass'));

  const old = [approved, currentRejected, awaitingReview, oldRejected, oldFailed, oldReady, oldProcessing];
  await s.database.db.execute(
    sql`UPDATE photos SET created_at = now() - interval '60 days'
        WHERE id IN (${sql.join(
          old.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`,
  );
  return {
    approved,
    currentRejected,
    awaitingReview,
    oldRejected,
    oldFailed,
    oldReady,
    oldProcessing,
    recentFailed,
    recentReady,
    approvedStudent: a!,
  };
}

const exists = async (s: TestServer, id: string) => Boolean(await s.ctx.repos.photos.byId(id));
const file = async (s: TestServer, id: string, name: string) => Boolean(await s.ctx.storage.get(`${id}/${name}`));
const counters = (s: TestServer) =>
  Promise.all([
    rows(
      s.database.db,
      sql`SELECT campaign_id, centre_id, enrolled, exempt, needs_review, approved, rejected
          FROM centre_counts ORDER BY campaign_id, centre_id`,
    ),
    rows(
      s.database.db,
      sql`SELECT campaign_id, centre_id, day::text, submitted, approved, rejected
          FROM daily_counts ORDER BY campaign_id, centre_id, day`,
    ),
    rows(
      s.database.db,
      sql`SELECT campaign_id, student_id::int, photo_id, status FROM submissions ORDER BY campaign_id, student_id`,
    ),
  ]);
const sweeps = (s: TestServer) =>
  rows<{ adminId: number | null; detail: Record<string, unknown>; studentIds: number[] | null }>(
    s.database.db,
    sql`SELECT admin_id AS "adminId", detail, student_ids AS "studentIds"
        FROM audit_log WHERE action = 'retention.sweep' ORDER BY id`,
  );

describe('KAOZHAO_RETENTION_DAYS', () => {
  it('is off unset, empty or "off"; a positive whole number of days turns it on; anything else stops the start', () => {
    const days = (raw: string | undefined) => {
      const saved = process.env.KAOZHAO_RETENTION_DAYS;
      if (raw === undefined) delete process.env.KAOZHAO_RETENTION_DAYS;
      else process.env.KAOZHAO_RETENTION_DAYS = raw;
      try {
        return loadConfig({ dataDir: '/nonexistent', secret: 'x'.repeat(32) }).retentionDays;
      } finally {
        if (saved === undefined) delete process.env.KAOZHAO_RETENTION_DAYS;
        else process.env.KAOZHAO_RETENTION_DAYS = saved;
      }
    };
    expect([days(undefined), days(''), days('off'), days('365')]).toEqual([undefined, undefined, undefined, 365]);
    for (const bad of ['0', '-3', '1.5', 'thirty']) expect(() => days(bad)).toThrow(/KAOZHAO_RETENTION_DAYS/);
  });
});

describe.each(BACKENDS)('retention sweep on $name', (backend) => {
  let s: TestServer;
  let f: Fixture;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 40, config: { retentionDays: 30 } });
    f = await makeFixture(s);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('deletes exactly the old rejected, failed and abandoned attempts and the old sources', async () => {
    const hq = await adminLogin(s, 'hq');
    const progress = async () => {
      const { generatedAt: _, ...figures } = (
        await s.app.inject({ method: 'GET', url: '/api/admin/progress', headers: { cookie: hq } })
      ).json() as ProgressResponse;
      return figures;
    };
    const before = { counters: await counters(s), progress: await progress() };

    const r = await s.ctx.services.retention.sweep();
    expect(r).toMatchObject({ days: 30, deleted: 4, purged: 1 });

    // Gone entirely: the old attempts that nothing points at, rows and files.
    for (const id of [f.oldRejected, f.oldFailed, f.oldReady, f.oldProcessing]) {
      expect(await exists(s, id), id).toBe(false);
      expect(await file(s, id, 'blue.jpg')).toBe(false);
      expect(await file(s, id, 'source')).toBe(false);
    }
    // The current rejected submission: row (status, reason) kept, files and face description gone.
    const cr = (await s.ctx.repos.photos.byId(f.currentRejected))!;
    expect([cr.status, cr.reason, cr.backgrounds, cr.hasCutout, cr.embedding]).toEqual([
      'rejected',
      '头发遮挡眉毛，请整理后重拍',
      [],
      false,
      null,
    ]);
    expect(await file(s, f.currentRejected, 'blue.jpg')).toBe(false);
    expect(await file(s, f.currentRejected, 'source')).toBe(false);
    // Submitted photos keep their ID photos; only the phone original goes.
    for (const id of [f.approved, f.awaitingReview]) {
      expect(await exists(s, id)).toBe(true);
      expect(await file(s, id, 'blue.jpg')).toBe(true);
      expect(await file(s, id, 'white.jpg')).toBe(true);
      expect(await file(s, id, 'source')).toBe(false);
    }
    expect((await s.ctx.repos.photos.latestApproved(s.demo.students[f.approvedStudent]!.id))?.id).toBe(f.approved);
    // Recent attempts: untouched, source included.
    for (const id of [f.recentFailed, f.recentReady]) {
      expect(await exists(s, id)).toBe(true);
      expect(await file(s, id, 'blue.jpg')).toBe(true);
      expect(await file(s, id, 'source')).toBe(true);
    }
    // Counters, submissions and progress as they were.
    expect(await counters(s)).toEqual(before.counters);
    expect(await progress()).toEqual(before.progress);
    // The student whose rejected submission was purged still sees it, reason included.
    const list = await s.ctx.services.photo.list(cr.studentId);
    expect(list.map((p) => p.id)).toContain(f.currentRejected);

    // One audit entry with counts only: no admin, no student.
    const [entry, ...more] = await sweeps(s);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ adminId: null, studentIds: null, detail: { deleted: 4, purged: 1, days: 30 } });
    expect(Object.keys(entry!.detail).sort()).toEqual(['cutoff', 'days', 'deleted', 'purged', 'sourcesChecked']);
  });

  it('a second sweep finds nothing more and looks only at attempts since the last cutoff', async () => {
    const r = await s.ctx.services.retention.sweep();
    expect(r).toMatchObject({ deleted: 0, purged: 0, sourcesChecked: 0 });
    expect(await exists(s, f.currentRejected)).toBe(true);
    expect(await file(s, f.approved, 'blue.jpg')).toBe(true);
    expect((await sweeps(s)).length).toBe(2);
  });

  it('pages through many attempts in small batches, each its own transaction', async () => {
    const [idx] = await enrolled(s, 1);
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const id = await withSource(s, await readyPhoto(s, idx!, 'fail'));
      await s.ctx.repos.photos.update(id, { status: 'failed' });
      ids.push(id);
    }
    await s.database.db.execute(
      sql`UPDATE photos SET created_at = now() - interval '45 days'
          WHERE id IN (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
    );
    const { database, db, storage } = s.ctx;
    const small = createRetentionService({
      database,
      db,
      storage,
      faceIndex: s.ctx.repos.faceIndex,
      days: 30,
      batch: 2,
    });
    // Backdated after the last sweep's cutoff was recorded: their sources are outside its window,
    // but the attempts themselves go, with every file.
    expect(await small.sweep()).toMatchObject({ deleted: 5, purged: 0 });
    for (const id of ids) {
      expect(await exists(s, id)).toBe(false);
      expect(await file(s, id, 'source')).toBe(false);
    }
    expect(await exists(s, f.approved)).toBe(true);
  });

  it.runIf(backend.name === 'postgres')('skips the sweep while another process holds it', async () => {
    const other = await s.database.pool!.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [RETENTION_LOCK]);
      const n = (await sweeps(s)).length;
      expect(await s.ctx.services.retention.sweep()).toBeNull();
      expect((await sweeps(s)).length).toBe(n);
    } finally {
      await other.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]);
      other.release();
    }
    expect(await s.ctx.services.retention.sweep()).not.toBeNull();
  });
});

describe.each(BACKENDS)('retention off on $name', (backend) => {
  let s: TestServer;
  let f: Fixture;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 40, config: { retentionDays: undefined } });
    f = await makeFixture(s);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('deletes nothing and logs nothing', async () => {
    expect(s.ctx.services.retention.enabled).toBe(false);
    expect(await s.ctx.services.retention.sweep()).toBeNull();
    for (const id of Object.values(f).filter((v): v is string => typeof v === 'string')) {
      expect(await exists(s, id), id).toBe(true);
      expect(await file(s, id, 'source'), id).toBe(true);
    }
    expect(await file(s, f.oldRejected, 'blue.jpg')).toBe(true);
    expect(await sweeps(s)).toEqual([]);
  });
});
