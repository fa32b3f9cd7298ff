// Load bench: N students doing identify → verify → consent → upload → wait → submit against the real
// server in its own processes, so the clients' work is not counted as the server's.
//
// Default mode: one `src/main.ts` with its photo workers in-process; embedded PGlite unless
// DATABASE_URL is set (then a fresh database on that server, dropped afterwards).
//   BENCH_STUDENTS = 200 concurrent students, KAOZHAO_PHOTO_WORKERS / KAOZHAO_PHOTO_NICE = the
//   server's photo worker threads and their nice value
//
// Deployment mode (BENCH_MODE=deploy or `-- --deploy`): as deployed — a fresh database on
// PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, dropped
// afterwards), BENCH_APIS API processes (default 2, KAOZHAO_PHOTO_WORKERS=0, clients spread over
// their ports) and BENCH_WORKERS `npm run worker` processes (default 2), clients ramping up to
// BENCH_STUDENTS (default 500) over BENCH_RAMP_SECONDS (60). Prints per step p50/p99 against the
// target (every API step p99 ≤ 1 s), errors, photos/s, the queue depth every BENCH_SAMPLE_SECONDS
// (5) and the RSS of each process.
//   BENCH_PATIENCE_SECONDS (1800) = how long a student waits for a photo before giving up;
//   BENCH_WORKER_THREADS = photo threads per worker process (default: the deployed one, per core)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { haveFaces, listFaces, readFace } from '../test/faces.js';
import { createPgDatabase } from '../test/support/pg-database.js';
import { startServer } from '../test/support/server-process.js';
import {
  createClients,
  processingLine,
  queueTable,
  rssOfGroup,
  type StudentOutcome,
  seedBenchDatabase,
  startDeployment,
  stepTable,
  uptime,
} from './deploy.js';

const DEPLOY = process.env.BENCH_MODE === 'deploy' || process.argv.includes('--deploy');
const N = Number(process.env.BENCH_STUDENTS ?? (DEPLOY ? 500 : 200));
const TARGET_MS = 1000;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

function summary(outcomes: StudentOutcome[], wall: number): string {
  const made = outcomes.filter((o) => o.readyAt !== undefined && o.finalStatus === 'ready').length;
  const failed = outcomes.filter((o) => o.finalStatus === 'failed').length;
  const submitted = outcomes.filter((o) => o.submitted).length;
  const gaveUp = new Map<string, number>();
  for (const o of outcomes) if (o.gaveUp) gaveUp.set(o.gaveUp, (gaveUp.get(o.gaveUp) ?? 0) + 1);
  return (
    `wall ${wall.toFixed(1)} s, photos made ${made} (${(made / wall).toFixed(2)} photos/s over the run), ` +
    `failed ${failed}, submitted ${submitted}; students who did not finish: ` +
    (gaveUp.size ? JSON.stringify(Object.fromEntries(gaveUp)) : 'none')
  );
}

/** The original mode: one server process doing everything. */
async function single(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-load-'));
  const pgdb = process.env.DATABASE_URL ? await createPgDatabase(process.env.DATABASE_URL, 'kz_load') : undefined;
  const seeded = await seedBenchDatabase({ dataDir, databaseUrl: pgdb?.url, students: N });
  const server = await startServer({
    DATA_DIR: dataDir,
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    // One client machine stands in for N phones: the per-client limit would refuse it.
    KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE: '100000',
  });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOfGroup(server.pid));
  }, 250);
  try {
    console.log(
      `bench:load: ${N} concurrent students against ${server.url} (${pgdb ? 'PostgreSQL' : 'PGlite'}, ` +
        `${process.env.KAOZHAO_PHOTO_WORKERS ?? 'default'} photo workers, nice ${process.env.KAOZHAO_PHOTO_NICE ?? 10})…`,
    );
    const t0 = performance.now();
    const clients = createClients({
      urls: [server.url],
      agreementVersion: seeded.agreementVersion,
      faces: listFaces('portraits').map((f) => readFace(f)),
      t0,
      patienceSeconds: env('BENCH_PATIENCE_SECONDS', 1800),
      stepPatienceSeconds: 0, // this mode reports errors, it does not ride them out
      requestTimeoutSeconds: 60,
      pollMs: 500,
    });
    const outcomes = await clients.runAll(seeded.students, 0);
    const wall = (performance.now() - t0) / 1000;
    console.table(stepTable(clients.events));
    console.log(processingLine(outcomes));
    console.log(summary(outcomes, wall));
    console.log(`server peak RSS ${Math.round(peak / 1024 / 1024)} MB (API and photo workers)`);
  } finally {
    clearInterval(sampler);
    await server.stop();
    await pgdb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Deployment mode: API processes and worker processes on PostgreSQL. */
async function deploy(): Promise<void> {
  const apis = env('BENCH_APIS', 2);
  const workers = env('BENCH_WORKERS', 2);
  const ramp = env('BENCH_RAMP_SECONDS', 60);
  console.log(`bench:load (deploy): ${uptime()}`);
  const dep = await startDeployment({ prefix: 'kz_load', students: N, apis, workers });
  try {
    console.log(
      `bench:load (deploy): ${N} students ramping up over ${ramp} s against ${apis} API process(es) ` +
        `${dep.apiUrls.join(' ')} (KAOZHAO_PHOTO_WORKERS=0) and ${workers} worker process(es) ` +
        `(${process.env.BENCH_WORKER_THREADS ?? 'default'} photo threads each), PostgreSQL; models loaded, starting…`,
    );
    const t0 = performance.now();
    dep.startSampling(t0, env('BENCH_SAMPLE_SECONDS', 5));
    const clients = createClients({
      urls: dep.apiUrls,
      agreementVersion: dep.agreementVersion,
      faces: listFaces('portraits').map((f) => readFace(f)),
      t0,
      patienceSeconds: env('BENCH_PATIENCE_SECONDS', 1800),
      stepPatienceSeconds: 60,
      requestTimeoutSeconds: 30,
      pollMs: 1000, // the student app's interval
    });
    const outcomes = await clients.runAll(dep.students, ramp);
    const wall = (performance.now() - t0) / 1000;
    console.log('\nAPI steps (every answer, retries included; target: p99 ≤ 1 s at this load):');
    console.table(stepTable(clients.events, TARGET_MS));
    console.log(processingLine(outcomes));
    console.log(summary(outcomes, wall));
    console.log('\nqueue depth (from the database):');
    const samples = queueTable(dep.samples);
    // Every sample up to 60 rows; a longer run shows every other one.
    console.table(samples.length > 60 ? samples.filter((_, i) => i % 2 === 0) : samples);
    console.log('\nmemory per process:');
    console.table(dep.rssTable());
    const crashed = dep.workers.filter((w) => w.crashes.length);
    console.log('worker crashes:', crashed.length ? crashed.map((w) => `${w.name}: ${w.crashes.join('; ')}`) : 'none');
    console.log(`bench:load (deploy): ${uptime()}`);
  } finally {
    await dep.stop();
  }
}

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('SKIP bench:load: no face photos (set KAOZHAO_FACES)');
    return;
  }
  await (DEPLOY ? deploy() : single());
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
