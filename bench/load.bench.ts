// Load bench: N concurrent students doing identify → verify → consent → upload → wait → submit
// against the real server (`src/main.ts`) in its own process, so the clients' work is not counted
// as the server's. Embedded PGlite unless DATABASE_URL is set (then a fresh database on that
// server, dropped afterwards).
//   BENCH_STUDENTS = 200 concurrent students, KAOZHAO_PHOTO_WORKERS / KAOZHAO_PHOTO_NICE = the
//   server's photo worker threads and their nice value
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { migrateDatabase, openDatabase, rows } from '../src/db/client.js';
import { createIdCipher } from '../src/db/crypto.js';
import { seedDemo } from '../src/seed/demo.seed.js';
import { haveFaces, listFaces, readFace } from '../test/faces.js';
import { createPgDatabase } from '../test/support/pg-database.js';
import { startServer } from '../test/support/server-process.js';

const N = Number(process.env.BENCH_STUDENTS ?? 200);

type Step = 'identify' | 'verify' | 'consent' | 'upload' | 'processing (upload → ready)' | 'submit';

/** Server RSS (its process group: tsx, node and the worker threads live in one node process). */
function rssOfGroup(pgid: number): number {
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '-g', String(pgid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => Number(l.trim()) * 1024)
      .filter((n) => Number.isFinite(n))
      .reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('SKIP bench:load: no face photos (set KAOZHAO_FACES)');
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-load-'));
  const pgdb = process.env.DATABASE_URL ? await createPgDatabase(process.env.DATABASE_URL, 'kz_load') : undefined;
  const config = loadConfig({ dataDir, databaseUrl: pgdb?.url });
  // Seed here so the clients know the generated students' ID numbers; the server then finds a
  // populated database and does not seed again.
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(dataDir, 'pg') });
  await migrateDatabase(database);
  const demo = await seedDemo(database.db, createIdCipher(config.secret), { students: Math.max(N + 20, 200) });
  // The seed suspends about one student in a hundred: the clients are enrolled students only.
  const enrolled = new Set(
    (
      await rows<{ id: number }>(
        database.db,
        sql`SELECT id::int AS id FROM students WHERE enrolment_status = 'enrolled'`,
      )
    ).map((r) => r.id),
  );
  const students = demo.students.filter((s) => enrolled.has(s.id));
  await database.close();
  const server = await startServer({
    DATA_DIR: dataDir,
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    // One client machine stands in for N phones: the per-client limit would refuse it.
    KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE: '100000',
  });
  const baseUrl = server.url;
  const faces = listFaces('portraits').map((f) => readFace(f));
  const lat = new Map<Step, number[]>();
  const errors = new Map<string, number>();
  const note = (step: Step, ms: number) => lat.set(step, [...(lat.get(step) ?? []), ms]);
  const fail = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);
  let made = 0;
  let submitted = 0;
  let peak = 0;
  const serverPid = server.pid;
  const sampler = setInterval(() => {
    if (serverPid) peak = Math.max(peak, rssOfGroup(serverPid));
  }, 250);

  async function call(step: Step, url: string, init: RequestInit): Promise<Response> {
    const t = performance.now();
    const r = await fetch(baseUrl + url, init);
    note(step, performance.now() - t);
    if (r.status >= 400) fail(`${step} ${r.status} ${((await r.clone().json()) as { code?: string }).code ?? ''}`);
    return r;
  }

  async function student(i: number): Promise<void> {
    const s = students[i]!;
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
    `bench:load: ${N} concurrent students against ${baseUrl} (${pgdb ? 'PostgreSQL' : 'PGlite'}, ` +
      `${process.env.KAOZHAO_PHOTO_WORKERS ?? config.photoPoolSize} photo workers, nice ${process.env.KAOZHAO_PHOTO_NICE ?? 10})…`,
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
      `server peak RSS ${Math.round(peak / 1024 / 1024)} MB (API and photo workers)`,
  );
  console.log('errors:', errors.size === 0 ? 'none' : Object.fromEntries(errors));
  if (errors.size > 0) console.log(server.log().slice(-2000));
  await server.stop();
  await pgdb?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
