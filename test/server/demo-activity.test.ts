// The demo a fresh `npm start` seeds looks lived in: its campaign is weeks in, the dashboards,
// review queue, reminders, exam sessions and audit log all hold data, one centre lags, and the
// photos are drawn figures stored as submitted photos are. Seeded through seedDemoIfEmpty, the
// function main.ts calls, so a second start seeding nothing is tested here too.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type Database, migrateDatabase, openDatabase, rows } from '../../src/db/client.js';
import type { DailyReportResponse, ProgressNode, ReviewItem } from '../../src/domain/admin-api.js';
import { CHECK_IDS, worstStatus } from '../../src/domain/checks.js';
import type { ExamChecksResponse, ExamSessionsResponse } from '../../src/domain/exam.js';
import { PHOTO_STATUSES } from '../../src/domain/photo-status.js';
import type { ReminderDeliveriesResponse } from '../../src/domain/reminders.js';
import { createInProcessQueue } from '../../src/jobs/photo-queue.js';
import { seedDemoIfEmpty } from '../../src/seed/demo.seed.js';
import { DEMO_DAYS_SO_FAR, DEMO_SOURCE_TYPE } from '../../src/seed/demo-activity.js';
import { DEMO_LOGIN_STUDENTS } from '../../src/seed/demo-logins.js';
import { buildApp } from '../../src/server/app.js';
import { type AppContext, createContext } from '../../src/server/context.js';
import { chinaDay } from '../../src/server/repositories/counts.repository.js';
import { ADMIN_PASSWORD, cookieOf } from './harness.js';

interface Demo {
  app: FastifyInstance;
  ctx: AppContext;
  database: Database;
  seeded: NonNullable<Awaited<ReturnType<typeof seedDemoIfEmpty>>>;
  seedMs: number;
  close(): Promise<void>;
}

const NOW = new Date();

async function startDemo(students?: number): Promise<Demo> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-demo-'));
  const config = loadConfig({
    dataDir,
    secret: 'test-secret-0123456789abcdef0123456789abcdef',
    photoPoolSize: 1,
    storage: 'fs',
  });
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: false, queue: createInProcessQueue() });
  const t = performance.now();
  const seeded = await seedDemoIfEmpty(database.db, ctx.cipher, ctx.storage, {
    now: NOW,
    adminPassword: ADMIN_PASSWORD,
    ...(students ? { students } : {}),
  });
  const seedMs = performance.now() - t;
  if (!seeded) throw new Error('an empty database was not seeded');
  const app = await buildApp(ctx, { logLevel: 'silent' });
  await app.ready();
  return {
    app,
    ctx,
    database,
    seeded,
    seedMs,
    async close() {
      await app.close();
      await ctx.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows per table and per status: what "the same demo" means when times follow the clock. */
async function shape(db: Database['db']) {
  const n = async (q: ReturnType<typeof sql>) => (await rows<{ n: number }>(db, q))[0]!.n;
  return {
    photos: await n(sql`SELECT count(*)::int AS n FROM photos`),
    byStatus: await rows(db, sql`SELECT status, count(*)::int AS n FROM photos GROUP BY status ORDER BY status`),
    submissions: await rows(
      db,
      sql`SELECT centre_id, status, count(*)::int AS n FROM submissions GROUP BY 1, 2 ORDER BY 1, 2`,
    ),
    daily: await n(sql`SELECT count(*)::int AS n FROM daily_counts`),
    audit: await rows(db, sql`SELECT action, count(*)::int AS n FROM audit_log GROUP BY action ORDER BY action`),
    reminders: await n(sql`SELECT count(*)::int AS n FROM reminder_deliveries`),
    examChecks: await n(sql`SELECT count(*)::int AS n FROM exam_checks`),
    examSessions: await n(sql`SELECT count(*)::int AS n FROM exam_sessions`),
  };
}

describe('the demo a development start seeds', () => {
  let s: Demo;
  const cookies: Record<string, string> = {};
  const as = async (username: string, url: string) => {
    if (!cookies[username]) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/admin/login',
        payload: { username, password: ADMIN_PASSWORD },
      });
      cookies[username] = cookieOf(res, 'kz_admin');
    }
    const res = await s.app.inject({ method: 'GET', url, headers: { cookie: cookies[username]! } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    s = await startDemo();
    console.log(`demo seeded in ${Math.round(s.seedMs)} ms:`, JSON.stringify(s.seeded.activity));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('is weeks into an open campaign, partly collected, with one centre lagging', async () => {
    const root: ProgressNode = (await as('hq', '/api/admin/progress')).root;
    expect(root.submitted).toBeGreaterThan(0);
    expect(root.rate).toBeGreaterThan(0.3);
    expect(root.rate).toBeLessThan(1);
    expect(root.approved).toBeGreaterThan(root.needsReview);
    expect(root.rejected).toBeGreaterThan(0);
    const centres = root.children.flatMap((b) => b.children).sort((a, b) => a.rate - b.rate);
    expect(centres).toHaveLength(4);
    const [lagging, ...others] = centres;
    expect(lagging!.rate).toBeLessThan(0.35);
    for (const c of others) expect(c.rate).toBeGreaterThan(0.55);
    expect(lagging!.id).toBe(s.seeded.centreIds[3]);
  });

  it('fills the trend and the daily report over the days so far', async () => {
    const trend = await as('hq', '/api/admin/progress/daily');
    const days = trend.days as { day: string; submitted: number; approved: number; rejected: number }[];
    expect(days.length).toBeGreaterThanOrEqual(DEMO_DAYS_SO_FAR - 1);
    expect(days.filter((d) => d.submitted > 0).length).toBeGreaterThanOrEqual(DEMO_DAYS_SO_FAR - 1);
    expect(days.some((d) => d.rejected > 0)).toBe(true);
    expect(days.every((d) => d.day <= chinaDay(NOW))).toBe(true);
    // Every submission event is on a day: first attempts and retakes.
    expect(days.reduce((a, d) => a + d.submitted, 0)).toBe(s.seeded.activity.photos);
    // Launch days busier than the last week.
    const first = days.slice(0, 3).reduce((a, d) => a + d.submitted, 0) / 3;
    const late = days.slice(-8, -1).reduce((a, d) => a + d.submitted, 0) / 7;
    expect(first).toBeGreaterThan(late);

    const yesterday = chinaDay(new Date(NOW.getTime() - 86_400_000));
    const report: DailyReportResponse = await as('hq', `/api/admin/reports/daily?date=${yesterday}`);
    const hq = report.rows.find((r) => r.level === 'hq')!;
    expect(hq.day.submitted).toBeGreaterThan(0);
    expect(report.rows.filter((r) => r.level === 'centre')).toHaveLength(4);
  });

  it('has photos waiting for review, with drawn figures and plausible reports', async () => {
    const queue: ReviewItem[] = (await as('reviewer', '/api/admin/reviews?limit=200')).items;
    expect(queue.length).toBeGreaterThan(5);
    expect(queue.length).toBe(s.seeded.activity.needsReview);
    const item = queue[0]!;
    expect(item.report.every((c) => CHECK_IDS.includes(c.id))).toBe(true);
    expect(worstStatus(item.report)).toBe('warn');
    const file = await s.app.inject({ method: 'GET', url: item.photoUrl, headers: { cookie: cookies.reviewer! } });
    expect(file.statusCode).toBe(200);
    const meta = await sharp(file.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 480, 640]);
    // A branch reviewer sees only the branch's share.
    const branch: ReviewItem[] = (await as('reviewer1', '/api/admin/reviews?limit=200')).items;
    expect(branch.length).toBeGreaterThan(0);
    expect(branch.length).toBeLessThan(queue.length);
  });

  it('stores the photos as submitted photos are stored, marked as demo data', async () => {
    const db = s.database.db;
    const photos = await rows<{
      id: string;
      status: string;
      source_type: string;
      backgrounds: string[];
      verdict: string;
      reason: string | null;
      embedding: number[] | null;
    }>(db, sql`SELECT id, status, source_type, backgrounds, verdict, reason, embedding FROM photos`);
    expect(photos.length).toBe(s.seeded.activity.photos);
    for (const p of photos) {
      expect(PHOTO_STATUSES).toContain(p.status);
      expect(p.source_type).toBe(DEMO_SOURCE_TYPE);
      expect(p.embedding).toBeNull();
    }
    const rejected = photos.filter((p) => p.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const p of rejected) expect(p.reason).toMatch(/[\u4e00-\u9fff]/);
    // Every background the row names is in storage.
    const sample = photos[Math.floor(photos.length / 2)]!;
    for (const bg of sample.backgrounds) expect(await s.ctx.storage.get(`${sample.id}/${bg}.jpg`)).not.toBeNull();
    // The students of demo-logins.txt start from nothing.
    const firstIds = s.seeded.students.slice(0, DEMO_LOGIN_STUDENTS).map((x) => x.id);
    const touched = await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM photos WHERE student_id = ANY(${`{${firstIds.join(',')}}`}::bigint[])`,
    );
    expect(touched[0]!.n).toBe(0);
    // Rejected students show as such on the uncollected list.
    const uncollected = await as('hq', `/api/admin/units/${s.seeded.hqId}/uncollected?limit=1000`);
    expect((uncollected.items as { lastStatus: string | null }[]).some((x) => x.lastStatus === 'rejected')).toBe(true);
  });

  it('has sent reminders to the lagging centre, an exam session with checks, and an audit trail', async () => {
    const lagging = s.seeded.centreIds[3]!;
    const reminders: ReminderDeliveriesResponse = await as('branch2', `/api/admin/units/${lagging}/reminders`);
    expect(reminders.items.length).toBeGreaterThan(0);
    expect(reminders.items.every((r) => r.status === 'sent' && r.channel === 'outbox')).toBe(true);
    expect(reminders.items[0]!.text).toContain('*');

    const sessions: ExamSessionsResponse = await as('hq', '/api/admin/exam/sessions');
    expect(sessions.items).toHaveLength(1);
    const session = sessions.items[0]!;
    expect(session.counts.checked).toBeGreaterThan(10);
    expect(session.counts.overridden).toBeGreaterThan(0);
    expect(session.counts.unable + session.counts.failed).toBeGreaterThan(0);
    expect(new Date(session.startsAt).getTime()).toBeLessThan(NOW.getTime());
    const checks: ExamChecksResponse = await as('centre3', `/api/admin/exam/sessions/${session.id}/checks`);
    expect(checks.items.length).toBe(session.counts.checked);
    expect(new Set(checks.items.map((c) => c.decision))).toEqual(new Set(['pass', 'fail', 'unable']));
    // Another centre's admin does not see it.
    expect((await as('centre1', '/api/admin/exam/sessions')).items).toHaveLength(0);

    for (const action of ['review.approve', 'review.reject', 'reminder.send', 'exam.verify', 'exam.override']) {
      const audit = await as('hq', `/api/admin/audit?action=${action}&limit=5`);
      expect(audit.items.length, action).toBeGreaterThan(0);
    }
  });

  it('seeds nothing on a second start', async () => {
    const before = await shape(s.database.db);
    expect(await seedDemoIfEmpty(s.database.db, s.ctx.cipher, s.ctx.storage, { now: NOW })).toBeUndefined();
    expect(await shape(s.database.db)).toEqual(before);
  });

  it('is the same demo on every machine', async () => {
    const a = await startDemo(400);
    const b = await startDemo(400);
    try {
      const shapeA = await shape(a.database.db);
      expect(shapeA.photos).toBeGreaterThan(100);
      expect(await shape(b.database.db)).toEqual(shapeA);
      expect(b.seeded.activity).toEqual(a.seeded.activity);
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});
