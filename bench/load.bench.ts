// Load bench: N concurrent students doing identify → verify → consent → upload → wait → submit
// against one server on this machine (embedded PGlite unless DATABASE_URL is set).
//   BENCH_STUDENTS = 200 concurrent students, KAOZHAO_PHOTO_WORKERS = photo worker threads
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { migrateDatabase, openDatabase } from '../src/db/client.js';
import { seedDemo } from '../src/seed/demo.seed.js';
import { buildApp } from '../src/server/app.js';
import { createContext } from '../src/server/context.js';
import { haveFaces, listFaces, readFace } from '../test/faces.js';

const N = Number(process.env.BENCH_STUDENTS ?? 200);

type Step = 'identify' | 'verify' | 'consent' | 'upload' | 'processing (upload → ready)' | 'submit';

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('SKIP bench:load: no face photos (set KAOZHAO_FACES)');
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-load-'));
  const config = loadConfig({
    dataDir,
    port: 0,
    // One client machine stands in for 200 phones: the per-client limit would refuse it.
    identifyPerIpPerMinute: 100_000,
    logLevel: 'warn',
  });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(dataDir, 'pg') });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: true });
  const demo = await seedDemo(database.db, ctx.cipher, { students: Math.max(N, 200) });
  const app = await buildApp(ctx, { logStream: new PassThrough(), logLevel: 'warn' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const faces = listFaces('portraits').map((f) => readFace(f));

  const lat = new Map<Step, number[]>();
  const errors = new Map<string, number>();
  const note = (step: Step, ms: number) => lat.set(step, [...(lat.get(step) ?? []), ms]);
  const fail = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
  let made = 0;
  let submitted = 0;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);

  async function call(step: Step, url: string, init: RequestInit): Promise<Response> {
    const t = performance.now();
    const r = await fetch(baseUrl + url, init);
    note(step, performance.now() - t);
    if (r.status >= 400) fail(`${step} ${r.status} ${((await r.clone().json()) as { code?: string }).code ?? ''}`);
    return r;
  }

  async function student(i: number): Promise<void> {
    const s = demo.students[i]!;
    const json = { 'content-type': 'application/json' };
    await call('identify', '/api/student/identify', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ studentNumber: s.studentNumber }),
    });
    const v = await call('verify', '/api/student/verify', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ studentNumber: s.studentNumber, idNumber: s.idNumber }),
    });
    if (!v.ok) return;
    const cookie = (v.headers.get('set-cookie') ?? '').split(';')[0]!;
    await call('consent', '/api/student/consent', {
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify({ version: config.agreementVersion }),
    });
    const form = new FormData();
    form.append('photo', new Blob([new Uint8Array(faces[i % faces.length]!)], { type: 'image/jpeg' }), 'me.jpg');
    const t0 = performance.now();
    const up = await call('upload', '/api/student/photos', { method: 'POST', headers: { cookie }, body: form });
    if (up.status !== 202) return;
    const { id } = (await up.json()) as { id: string };
    let attempt: { status: string; verdict: string | null } = { status: 'processing', verdict: null };
    while (attempt.status === 'processing') {
      await new Promise((r) => setTimeout(r, 500));
      const r = await fetch(`${baseUrl}/api/student/photos/${id}`, { headers: { cookie } });
      attempt = (await r.json()) as typeof attempt;
    }
    note('processing (upload → ready)', performance.now() - t0);
    if (attempt.status !== 'ready') {
      fail(`photo ${attempt.status}`);
      return;
    }
    made++;
    if (attempt.verdict === 'fail') return;
    const sub = await call('submit', `/api/student/photos/${id}/submit`, {
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify({ background: 'blue' }),
    });
    if (sub.ok) submitted++;
  }

  console.log(
    `bench:load: ${N} concurrent students against ${baseUrl} (${database.kind}, ${config.photoPoolSize} photo workers)…`,
  );
  const t = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => student(i)));
  const wall = (performance.now() - t) / 1000;
  clearInterval(sampler);

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0);
  };
  console.table(
    [...lat.entries()].map(([step, xs]) => ({ step, count: xs.length, p50ms: pct(xs, 50), p99ms: pct(xs, 99) })),
  );
  console.log(
    `wall ${wall.toFixed(1)} s, photos made ${made} (${(made / wall).toFixed(2)} photos/s), submitted ${submitted}, ` +
      `peak RSS ${Math.round(peak / 1024 / 1024)} MB (server, engine workers and client in one process)`,
  );
  console.log('errors:', errors.size === 0 ? 'none' : Object.fromEntries(errors));
  await app.close();
  await ctx.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
