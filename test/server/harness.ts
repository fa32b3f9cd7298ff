// Test servers on real databases: an in-memory PGlite, and a fresh database on the PostgreSQL
// server in TEST_DATABASE_URL (created per suite and dropped after, so parallel runs never meet).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import { expect } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { type Database, migrateDatabase, openDatabase } from '../../src/db/client.js';
import type { CheckResult, CheckStatus } from '../../src/domain/checks.js';
import { createInProcessQueue } from '../../src/jobs/photo-queue.js';
import { type DemoData, type SeedOptions, seedDemo } from '../../src/seed/demo.seed.js';
import { buildApp } from '../../src/server/app.js';
import { type AppContext, createContext } from '../../src/server/context.js';
import { createPgDatabase } from '../support/pg-database.js';

export interface Backend {
  name: 'pglite' | 'postgres';
  url?: string;
}

export const BACKENDS: Backend[] = [
  { name: 'pglite' },
  ...(process.env.TEST_DATABASE_URL ? [{ name: 'postgres' as const, url: process.env.TEST_DATABASE_URL }] : []),
];
if (!process.env.TEST_DATABASE_URL) console.warn('SKIP PostgreSQL runs: TEST_DATABASE_URL is not set');

/** Every demo admin's password in these tests; a real demo generates one per account. */
export const ADMIN_PASSWORD = 'kaozhao-demo';

export interface TestServer {
  app: FastifyInstance;
  ctx: AppContext;
  database: Database;
  demo: DemoData;
  logs: () => string;
  close(): Promise<void>;
}

export interface ServerOptions extends SeedOptions {
  /** Use pg-boss on PostgreSQL (the production setting); default in-process for speed. */
  durableQueue?: boolean;
  processJobs?: boolean;
  uploadLimitMb?: number;
  identifyPerIpPerMinute?: number;
  config?: Partial<Config>;
}

export async function startServer(backend: Backend, opts: ServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-test-'));
  const pgdb = backend.url ? await createPgDatabase(backend.url) : undefined;
  const config = loadConfig({
    dataDir,
    databaseUrl: pgdb?.url,
    secret: 'test-secret-0123456789abcdef0123456789abcdef',
    photoPoolSize: 1,
    uploadLimitBytes: (opts.uploadLimitMb ?? 20) * 1024 * 1024,
    identifyPerIpPerMinute: opts.identifyPerIpPerMinute ?? 10_000,
    storage: pgdb ? 'db' : 'fs',
    logLevel: 'info',
    ...opts.config,
  });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: 'memory://', poolSize: 8 });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, {
    processJobs: opts.processJobs ?? true,
    ...(opts.durableQueue && pgdb ? {} : { queue: createInProcessQueue() }),
  });
  const demo = await seedDemo(database.db, ctx.cipher, { students: 200, adminPassword: ADMIN_PASSWORD, ...opts });
  const logStream = new PassThrough();
  let logText = '';
  logStream.on('data', (d: Buffer) => {
    logText += d.toString('utf8');
  });
  const app = await buildApp(ctx, { logStream, logLevel: 'debug' });
  await app.ready();
  return {
    app,
    ctx,
    database,
    demo,
    logs: () => logText,
    async close() {
      await app.close();
      await ctx.close();
      await database.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function cookieOf(res: LightMyRequestResponse, name: string): string {
  const c = res.cookies.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} cookie`);
  return `${name}=${c.value}`;
}

/** Signs a demo student in (identify + verify + consent) and returns the cookie header. */
export async function studentLogin(s: TestServer, index = 0, consent = true): Promise<string> {
  const st = s.demo.students[index]!;
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/student/verify',
    payload: { studentNumber: st.studentNumber, idNumber: st.idNumber },
  });
  if (res.statusCode !== 200) throw new Error(`verify ${res.statusCode} ${res.body}`);
  const cookie = cookieOf(res, 'kz_sid');
  if (consent) {
    const c = await s.app.inject({
      method: 'POST',
      url: '/api/student/consent',
      headers: { cookie },
      payload: { version: s.ctx.config.agreementVersion },
    });
    if (c.statusCode !== 200) throw new Error(`consent ${c.statusCode}`);
  }
  return cookie;
}

export async function adminLogin(s: TestServer, username: string): Promise<string> {
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/admin/login',
    payload: { username, password: ADMIN_PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
  return cookieOf(res, 'kz_admin');
}

/** Signs each of `usernames` in (default: every demo admin); their cookie headers by username. */
export async function adminLogins(
  s: TestServer,
  usernames: string[] = s.demo.admins.map((a) => a.username),
): Promise<Record<string, string>> {
  const cookies: Record<string, string> = {};
  for (const u of usernames) cookies[u] = await adminLogin(s, u);
  return cookies;
}

/** A refusal as the API answers one: the status, the code and a Chinese message. */
export function refused(r: LightMyRequestResponse, status: number, code: string): void {
  expect([r.statusCode, r.json().code], r.body).toEqual([status, code]);
  expect(r.json().message).toMatch(/[\u4e00-\u9fff]/);
}

/**
 * A finished attempt as the engine leaves it (row + files), for tests of submit and review that
 * must not depend on which face photo yields which verdict.
 */
export async function readyPhoto(s: TestServer, studentIndex: number, verdict: CheckStatus): Promise<string> {
  const st = s.demo.students[studentIndex]!;
  const report: CheckResult[] = [
    { id: 'face.count', status: 'pass', value: 1, threshold: '= 1', message: { zh: '通过', en: 'ok' } },
    { id: 'pose.yaw', status: verdict, value: 3, unit: '°', threshold: '≤ 10°', message: { zh: '检查', en: 'check' } },
  ];
  const photo = await s.ctx.repos.photos.create({
    studentId: st.id,
    campaignId: s.demo.campaignId,
    status: 'ready',
    specId: 'chsi',
    verdict,
    report,
    backgrounds: ['blue', 'white'],
    hasCutout: false,
    progress: 1,
    processedAt: new Date(),
  });
  const jpeg = await sharp({ create: { width: 48, height: 64, channels: 3, background: { r: 100, g: 197, b: 255 } } })
    .jpeg()
    .toBuffer();
  await s.ctx.storage.put(`${photo.id}/blue.jpg`, jpeg);
  await s.ctx.storage.put(`${photo.id}/white.jpg`, jpeg);
  return photo.id;
}

/** A multipart upload of one file, after any text `fields` (sent first, as the apps send them). */
export function multipart(
  field: string,
  filename: string,
  bytes: Uint8Array,
  type = 'application/octet-stream',
  fields: Record<string, string> = {},
) {
  const boundary = `----kz${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  const head = Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, Buffer.from(bytes), tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** A student's submit of one of their photos in a background colour, as the app sends it. */
export function submitPhoto(s: TestServer, cookie: string, photoId: string, background: string) {
  return s.app.inject({
    method: 'POST',
    url: `/api/student/photos/${photoId}/submit`,
    headers: { cookie },
    payload: { background },
  });
}

/** Polls `fn` until it returns a value; throws naming `what` after `ms`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms = 240_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
