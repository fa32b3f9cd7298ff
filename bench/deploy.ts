// The deployment the benches run against, as it is deployed: PostgreSQL (a fresh database, dropped
// afterwards), API processes (`src/main.ts`, KAOZHAO_PHOTO_WORKERS=0: enqueue only) and separate
// photo worker processes (`src/worker-main.ts`), each its own OS process so each one's memory and
// death can be seen. Shared by bench/load.bench.ts (BENCH_MODE=deploy) and bench/faults.bench.ts,
// with the students' client journey and the tables both print.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { migrateDatabase, openDatabase, rows } from '../src/db/client.js';
import { createIdCipher } from '../src/db/crypto.js';
import { PHOTO_JOB } from '../src/jobs/photo-queue.js';
import { withProcessEnv } from '../src/photo/settings.js';
import { seedDemo } from '../src/seed/demo.seed.js';
import { createPgDatabase } from '../test/support/pg-database.js';
import { ROOT, type Server, startServer } from '../test/support/server-process.js';

const run = promisify(execFile);

/** The local server the brief names; DATABASE_URL overrides it. */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface BenchStudent {
  id: number;
  studentNumber: string;
  idNumber: string;
}

/**
 * Migrates and seeds the database the processes will share, in this process, so the clients know
 * the generated students' ID numbers; the servers then find a populated database and seed nothing.
 * Enrolled students only (the seed suspends about one in a hundred).
 */
export async function seedBenchDatabase(opts: {
  dataDir: string;
  databaseUrl: string | undefined;
  students: number;
  /** Observation triggers for the fault accounting (PostgreSQL only). */
  observe?: boolean;
}): Promise<{ students: BenchStudent[]; agreementVersion: string }> {
  const config = loadConfig({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(opts.dataDir, 'pg') });
  try {
    await migrateDatabase(database);
    const demo = await seedDemo(database.db, createIdCipher(config.secret), {
      students: Math.max(opts.students + 20, 200),
    });
    const enrolled = new Set(
      (
        await rows<{ id: number }>(
          database.db,
          sql`SELECT id::int AS id FROM students WHERE enrolment_status = 'enrolled'`,
        )
      ).map((r) => r.id),
    );
    if (opts.observe) await installObservers(database.db);
    return {
      students: demo.students.filter((s) => enrolled.has(s.id)).slice(0, opts.students),
      agreementVersion: config.agreementVersion,
    };
  } finally {
    await database.close();
  }
}

/**
 * "Made twice" must be seen from outside the code under test: triggers in the bench's own database
 * record every transition of a photo out of `processing` and every write of a result file with the
 * photo's status at that moment. They observe; they change nothing the application reads.
 */
async function installObservers(db: Parameters<typeof rows>[0]): Promise<void> {
  await db.execute(sql`
    CREATE TABLE bench_transitions (photo_id uuid NOT NULL, status text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION bench_note_transition() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO bench_transitions (photo_id, status) VALUES (NEW.id, NEW.status); RETURN NEW; END $$;
    CREATE TRIGGER bench_transition AFTER UPDATE OF status ON photos FOR EACH ROW
      WHEN (OLD.status = 'processing' AND NEW.status <> 'processing') EXECUTE FUNCTION bench_note_transition();
    CREATE TABLE bench_file_writes (key text NOT NULL, op text NOT NULL, photo_status text, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION bench_note_file() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO bench_file_writes (key, op, photo_status)
          SELECT NEW.key, TG_OP, (SELECT status FROM photos WHERE id::text = split_part(NEW.key, '/', 1));
        RETURN NEW;
      END $$;
    CREATE TRIGGER bench_file_write AFTER INSERT OR UPDATE ON photo_files FOR EACH ROW
      WHEN (NEW.key NOT LIKE '%/source') EXECUTE FUNCTION bench_note_file();
  `);
}

/** RSS of a process group: tsx's wrapper and the node process it starts (with its threads). */
export function rssOfGroup(pgid: number): number {
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

/**
 * One `npm run worker` process, supervised the way systemd's Restart=always would: an exit nobody
 * asked for is counted (a crash is a finding) and the process started again after a second.
 */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private stopping = false;
  private expectedExit = false;
  starts = 0;
  kills = 0;
  /** Seconds from each start to "photo worker started" (models loaded, taking jobs). */
  readySeconds: number[] = [];
  /** Exits that were neither a kill by the bench nor stop(): a supervisor would have restarted it. */
  crashes: string[] = [];

  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get pid(): number {
    return this.child?.exitCode === null ? (this.child.pid ?? 0) : 0;
  }

  log(): string {
    return this.output;
  }

  /** Starts the process; resolves once its models are loaded and it takes jobs. */
  start(): Promise<void> {
    this.starts++;
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/worker-main.ts'], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: a kill takes tsx and its node process together
    });
    this.child = child;
    const started = performance.now();
    let readyNoted = false;
    const ready = new Promise<void>((resolve, reject) => {
      const keep = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-6000);
        if (!readyNoted && chunk.toString().includes('photo worker started')) {
          readyNoted = true;
          this.readySeconds.push((performance.now() - started) / 1000);
          resolve();
        }
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('exit', (code, signal) => {
        // Its last lines say why (the worker prints no personal data).
        const tail = this.output.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready: ${tail}`));
        if (child !== this.child || this.stopping) return;
        if (this.expectedExit) {
          this.expectedExit = false;
          return;
        }
        this.crashes.push(`exit ${code ?? signal}: ${this.output.trim().split('\n').slice(-3).join(' | ')}`);
        setTimeout(() => {
          if (!this.stopping) void this.start().catch(() => {});
        }, 1000);
      });
    });
    ready.catch(() => {});
    return ready;
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (this.child?.pid) process.kill(-this.child.pid, sig);
    } catch {
      // already gone
    }
  }

  private exited(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((r) => c.once('exit', () => r()));
  }

  /** SIGKILL (no graceful anything: its jobs are abandoned mid-photo) and start again at once. */
  async killAndRestart(): Promise<void> {
    if (!this.pid) return;
    this.kills++;
    this.expectedExit = true;
    const gone = this.exited();
    this.signal('SIGKILL');
    await gone;
    void this.start().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const gone = this.exited();
    this.signal('SIGTERM');
    await Promise.race([gone, sleep(10_000)]);
    this.signal('SIGKILL');
  }
}

export interface QueueSample {
  t: number;
  /** photos.status = 'processing': waiting or being made (what the app's metrics call the queue). */
  processing: number | null;
  /** pg-boss job rows by state for the photo job. */
  jobs: Record<string, number>;
  load1: number;
}

export interface Deployment {
  databaseUrl: string;
  apiUrls: string[];
  apis: Server[];
  workers: WorkerProcess[];
  students: BenchStudent[];
  agreementVersion: string;
  /** A small pool of the bench's own on the deployment's database (sampling, final accounting). */
  pool: pg.Pool;
  samples: QueueSample[];
  /** Starts sampling the queue every `seconds` from `t0` (performance.now() of the run's start). */
  startSampling(t0: number, seconds: number): void;
  rssTable(): { process: string; pid: number; starts: number; 'peak RSS MB': number; 'last RSS MB': number }[];
  stop(): Promise<void>;
}

/**
 * Starts the deployment: a fresh database on DATABASE_URL's server (default the local one), `apis`
 * API processes and `workers` worker processes, and waits until every worker has its models loaded
 * (the clients then meet a warm system, as after a deploy). Everything is undone by stop().
 */
export async function startDeployment(opts: {
  prefix: string;
  students: number;
  apis: number;
  workers: number;
  observe?: boolean;
}): Promise<Deployment> {
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_PG_URL;
  const pgdb = await createPgDatabase(serverUrl, opts.prefix);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${opts.prefix}-`));
  const apis: Server[] = [];
  const workers: WorkerProcess[] = [];
  const pool = new pg.Pool({ connectionString: pgdb.url, max: 2 });
  // The fault bench restarts the server under this pool: a dropped idle client is not a crash.
  pool.on('error', () => {});
  let sampler: NodeJS.Timeout | undefined;
  let rssTimer: NodeJS.Timeout | undefined;
  const cleanup = async () => {
    clearInterval(sampler);
    clearInterval(rssTimer);
    await Promise.all([...apis.map((a) => a.stop()), ...workers.map((w) => w.stop())]);
    await pool.end().catch(() => {});
    await pgdb.drop().catch((e: unknown) => console.error('could not drop the bench database:', e));
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Ctrl-C mid-run: the processes are detached and the database is the bench's, so both go too.
  const interrupted = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const seeded = await seedBenchDatabase({
      dataDir,
      databaseUrl: pgdb.url,
      students: opts.students,
      observe: opts.observe ?? false,
    });
    // One DATA_DIR for all: its secret.key is the one key every process must share.
    const common = { DATA_DIR: dataDir, DATABASE_URL: pgdb.url, KAOZHAO_DEMO: '0', LOG_LEVEL: 'warn' };
    // As `npm run worker` starts it (settings.ts PROCESS_ENV).
    const workerEnv = withProcessEnv({ ...process.env, ...common });
    if (process.env.BENCH_WORKER_THREADS) workerEnv.KAOZHAO_PHOTO_WORKERS = process.env.BENCH_WORKER_THREADS;
    else delete workerEnv.KAOZHAO_PHOTO_WORKERS; // the deployed default: one thread per core
    for (let i = 0; i < opts.workers; i++) workers.push(new WorkerProcess(`worker ${i + 1}`, workerEnv));
    const [started] = await Promise.all([
      Promise.all(
        Array.from({ length: opts.apis }, () =>
          startServer({
            ...common,
            KAOZHAO_PHOTO_WORKERS: '0',
            // One client machine stands in for N phones: the per-address limit would refuse it.
            KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE: '100000',
          }),
        ),
      ),
      Promise.all(workers.map((w) => w.start())),
    ]);
    apis.push(...started);
    const peaks = new Map<string, { pid: number; peak: number; last: number }>();
    const procs = () => [
      ...apis.map((a, i) => ({ name: `api ${i + 1}`, pid: a.pid })),
      ...workers.map((w) => ({ name: w.name, pid: w.pid })),
    ];
    const sampleRss = () => {
      for (const p of procs()) {
        if (!p.pid) continue;
        const rss = rssOfGroup(p.pid);
        const prev = peaks.get(p.name);
        peaks.set(p.name, { pid: p.pid, peak: Math.max(prev?.peak ?? 0, rss), last: rss });
      }
    };
    rssTimer = setInterval(sampleRss, 2000);
    const samples: QueueSample[] = [];
    return {
      databaseUrl: pgdb.url,
      apiUrls: apis.map((a) => a.url),
      apis,
      workers,
      students: seeded.students,
      agreementVersion: seeded.agreementVersion,
      pool,
      samples,
      startSampling(t0, seconds) {
        const take = async () => {
          const t = (performance.now() - t0) / 1000;
          const load1 = os.loadavg()[0] ?? 0;
          try {
            const [p] = (await pool.query(`SELECT count(*)::int AS n FROM photos WHERE status = 'processing'`)).rows;
            const jobs = await pool.query(
              'SELECT state::text AS state, count(*)::int AS n FROM pgboss.job WHERE name = $1 GROUP BY state',
              [PHOTO_JOB],
            );
            samples.push({
              t,
              processing: (p as { n: number }).n,
              jobs: Object.fromEntries(jobs.rows.map((r: { state: string; n: number }) => [r.state, r.n])),
              load1,
            });
          } catch {
            samples.push({ t, processing: null, jobs: {}, load1 }); // the database is down
          }
        };
        void take();
        sampler = setInterval(() => void take(), seconds * 1000);
      },
      rssTable() {
        sampleRss();
        const mb = (b: number) => Math.round(b / 1024 / 1024);
        return procs().map((p) => {
          const r = peaks.get(p.name);
          const w = workers.find((x) => x.name === p.name);
          return {
            process: p.name,
            pid: p.pid,
            starts: w?.starts ?? 1,
            'peak RSS MB': mb(r?.peak ?? 0),
            'last RSS MB': mb(r?.last ?? 0),
          };
        });
      },
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The students: the same journey as the student app, over the API.

export type Step = 'identify' | 'verify' | 'consent' | 'upload' | 'poll' | 'submit';
export const STEPS: Step[] = ['identify', 'verify', 'consent', 'upload', 'poll', 'submit'];

/** One HTTP answer (or its absence): what the tables and the fault windows are made of. */
export interface CallEvent {
  /** Seconds since the run's start, when the request was sent. */
  t: number;
  step: Step;
  /** HTTP status; 0 = connection refused/reset, -1 = no answer within the request timeout (a hang). */
  status: number;
  code: string;
  ms: number;
}

export interface StudentOutcome {
  index: number;
  studentNumber: string;
  photoId?: string;
  /** Seconds since the run's start. */
  uploadedAt?: number;
  readyAt?: number;
  finalStatus?: string;
  verdict?: string | null;
  /** The server answered 2xx to the submit. */
  submitted: boolean;
  gaveUp?: string;
}

export interface ClientOptions {
  urls: string[];
  agreementVersion: string;
  faces: Buffer[];
  /** performance.now() of the run's start. */
  t0: number;
  /** How long a student waits for a photo before giving up (the run must end). */
  patienceSeconds: number;
  /** How long a student keeps retrying one step that answers 5xx or nothing. */
  stepPatienceSeconds: number;
  /** A request unanswered after this counts as a hang (status -1) and is retried. */
  requestTimeoutSeconds: number;
  /** Poll interval of the student app (web/student/src/attempt.ts). */
  pollMs: number;
}

export function createClients(opts: ClientOptions) {
  const events: CallEvent[] = [];
  const since = () => (performance.now() - opts.t0) / 1000;

  async function call(
    step: Step,
    base: string,
    url: string,
    init: () => RequestInit,
    patienceSeconds = opts.stepPatienceSeconds,
  ): Promise<Response | undefined> {
    const deadline = performance.now() + patienceSeconds * 1000;
    for (;;) {
      const t = performance.now();
      const ev: CallEvent = { t: since(), step, status: 0, code: '', ms: 0 };
      let r: Response | undefined;
      try {
        r = await fetch(base + url, { ...init(), signal: AbortSignal.timeout(opts.requestTimeoutSeconds * 1000) });
        ev.status = r.status;
        if (r.status >= 400) {
          ev.code =
            (
              (await r
                .clone()
                .json()
                .catch(() => ({}))) as { code?: string }
            ).code ?? '';
        }
      } catch (e) {
        ev.status = (e as Error).name === 'TimeoutError' ? -1 : 0;
      }
      ev.ms = performance.now() - t;
      events.push(ev);
      // 4xx is the server's considered answer; 5xx or no answer is retried, as a student would tap again.
      if (r && r.status < 500) return r;
      if (performance.now() > deadline) return undefined;
      await sleep(1000);
    }
  }

  async function student(i: number, s: BenchStudent): Promise<StudentOutcome> {
    const out: StudentOutcome = { index: i, studentNumber: s.studentNumber, submitted: false };
    const base = opts.urls[i % opts.urls.length]!; // spread over the API processes, as a balancer would
    const json = { 'content-type': 'application/json' };
    await call('identify', base, '/api/student/identify', () => ({
      method: 'POST',
      headers: json,
      body: JSON.stringify({ studentNumber: s.studentNumber }),
    }));
    const v = await call('verify', base, '/api/student/verify', () => ({
      method: 'POST',
      headers: json,
      body: JSON.stringify({ studentNumber: s.studentNumber, idNumber: s.idNumber }),
    }));
    if (!v?.ok) {
      out.gaveUp = `verify ${v?.status ?? 'no answer'}`;
      return out;
    }
    const cookie = (v.headers.get('set-cookie') ?? '').split(';')[0]!;
    await call('consent', base, '/api/student/consent', () => ({
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify({ version: opts.agreementVersion }),
    }));
    const face = new Uint8Array(opts.faces[i % opts.faces.length]!);
    const up = await call('upload', base, '/api/student/photos', () => {
      const form = new FormData();
      form.append('photo', new Blob([face], { type: 'image/jpeg' }), 'me.jpg');
      return { method: 'POST', headers: { cookie }, body: form };
    });
    let id: string | undefined;
    if (up?.status === 202) id = ((await up.json()) as { id: string }).id;
    else if (up?.status === 409) {
      // An earlier try of this upload was admitted although its answer was lost (a 5xx after the
      // commit): the app leads the student back to the photo in the making; so does the bench.
      const list = await call('poll', base, '/api/student/photos', () => ({ headers: { cookie } }));
      const items = list?.ok ? ((await list.json()) as { items: { id: string; status: string }[] }).items : [];
      id = items.find((p) => p.status === 'processing')?.id;
    }
    if (!id) {
      out.gaveUp = `upload ${up?.status ?? 'no answer'}`;
      return out;
    }
    out.photoId = id;
    out.uploadedAt = since();
    const waitUntil = performance.now() + opts.patienceSeconds * 1000;
    let attempt: { status: string; verdict: string | null } = { status: 'processing', verdict: null };
    while (attempt.status === 'processing') {
      if (performance.now() > waitUntil) {
        out.gaveUp = 'photo still processing (patience)';
        out.finalStatus = 'processing';
        return out;
      }
      await sleep(opts.pollMs);
      const r = await call('poll', base, `/api/student/photos/${id}`, () => ({ headers: { cookie } }), 0);
      if (r?.ok) attempt = (await r.json()) as typeof attempt;
    }
    out.readyAt = since();
    out.finalStatus = attempt.status;
    out.verdict = attempt.verdict;
    if (attempt.status !== 'ready' || attempt.verdict === 'fail') return out;
    const sub = await call('submit', base, `/api/student/photos/${id}/submit`, () => ({
      method: 'POST',
      headers: { ...json, cookie },
      body: JSON.stringify({ background: 'blue' }),
    }));
    out.submitted = Boolean(sub?.ok);
    if (!sub?.ok) out.gaveUp = `submit ${sub?.status ?? 'no answer'}`;
    return out;
  }

  /** Student i starts at i × ramp / n: the load climbs to n students over `rampSeconds`. */
  async function runAll(students: BenchStudent[], rampSeconds: number): Promise<StudentOutcome[]> {
    const gap = students.length > 1 ? (rampSeconds * 1000) / (students.length - 1) : 0;
    return Promise.all(students.map((s, i) => sleep(i * gap).then(() => student(i, s))));
  }

  return { events, runAll };
}

// ---------------------------------------------------------------------------------------------
// Tables.

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0);
}

const statusName = (e: CallEvent) =>
  e.status === -1 ? 'hang' : e.status === 0 ? 'no connection' : `${e.status}${e.code ? ` ${e.code}` : ''}`;

/** Per step: count, p50/p99 of every answer (errors included: a fast 503 is fast), errors by kind. */
export function stepTable(events: CallEvent[], targetMs?: number) {
  return STEPS.map((step) => {
    const xs = events.filter((e) => e.step === step);
    const errs = new Map<string, number>();
    for (const e of xs)
      if (e.status >= 400 || e.status <= 0) errs.set(statusName(e), (errs.get(statusName(e)) ?? 0) + 1);
    const p99 = pct(
      xs.map((e) => e.ms),
      99,
    );
    return {
      step,
      requests: xs.length,
      p50ms: pct(
        xs.map((e) => e.ms),
        50,
      ),
      p99ms: p99,
      maxms: Math.round(Math.max(0, ...xs.map((e) => e.ms))),
      ...(targetMs ? { [`p99≤${targetMs}`]: xs.length === 0 ? '-' : p99 <= targetMs ? 'yes' : 'NO' } : {}),
      errors: [...errs.entries()].map(([k, n]) => `${k} ×${n}`).join(', ') || '-',
    };
  });
}

/** Upload → terminal state, as the students saw it. */
export function processingLine(outcomes: StudentOutcome[]): string {
  const waits = outcomes
    .filter((o) => o.readyAt !== undefined && o.uploadedAt !== undefined)
    .map((o) => (o.readyAt! - o.uploadedAt!) * 1000);
  return (
    `processing (upload → ready, the queue): ${waits.length} photos, p50 ${(pct(waits, 50) / 1000).toFixed(1)} s, ` +
    `p99 ${(pct(waits, 99) / 1000).toFixed(1)} s, longest ${(Math.max(0, ...waits) / 1000).toFixed(1)} s`
  );
}

export function queueTable(samples: QueueSample[]) {
  return samples.map((s) => ({
    't s': Math.round(s.t),
    'photos processing': s.processing ?? 'db down',
    'jobs created': s.jobs.created ?? 0,
    'jobs active': s.jobs.active ?? 0,
    'jobs retry': s.jobs.retry ?? 0,
    'jobs failed': s.jobs.failed ?? 0,
    'jobs completed': s.jobs.completed ?? 0,
    load1: Math.round(s.load1 * 10) / 10,
  }));
}

export function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL server itself (fault bench).

export interface Cluster {
  version: string;
  name: string;
}

/**
 * The Debian cluster serving the database URL's port, if this machine can restart it: root,
 * pg_ctlcluster, a local server. Otherwise the reason it cannot.
 */
export async function localCluster(databaseUrl: string): Promise<Cluster | string> {
  const u = new URL(databaseUrl);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) return `the server ${u.hostname} is not local`;
  if (process.getuid?.() !== 0) return 'not root: pg_ctlcluster needs root';
  const port = u.port || '5432';
  try {
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    for (const line of stdout.trim().split('\n')) {
      const [version, name, p] = line.trim().split(/\s+/);
      if (version && name && p === port) return { version, name };
    }
  } catch {
    // no pg_lsclusters: fall back to the configuration folders
  }
  try {
    const versions = readdirSync('/etc/postgresql').filter((v) => /^\d+$/.test(v));
    if (versions.length === 1) return { version: versions[0]!, name: 'main' };
    return `cannot tell which of /etc/postgresql/{${versions.join(',')}} serves port ${port}`;
  } catch {
    return 'no /etc/postgresql (not a Debian-packaged server)';
  }
}

/** `pg_ctlcluster V NAME restart`; on failure the cluster is started again, whatever happened. */
export async function restartCluster(c: Cluster): Promise<{ ok: boolean; message: string }> {
  try {
    await run('pg_ctlcluster', [c.version, c.name, 'restart'], { timeout: 120_000 });
    return { ok: true, message: 'restarted' };
  } catch (e) {
    await ensureClusterUp(c);
    return { ok: false, message: `restart failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Other engineers' tests use this server: never leave it stopped. */
export async function ensureClusterUp(c: Cluster): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['--no-header']).catch(() => ({ stdout: '' }));
  const line = stdout.split('\n').find((l) => l.trim().startsWith(`${c.version} `) && l.includes(` ${c.name} `));
  if (line?.includes('online')) return;
  await run('pg_ctlcluster', [c.version, c.name, 'start'], { timeout: 120_000 }).catch((e: unknown) =>
    console.error(`could not start PostgreSQL ${c.version}/${c.name}:`, (e as Error).message),
  );
}
