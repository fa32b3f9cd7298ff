// npm run fuzz -- [--cases N] [--seed S] [--url URL] [--from I]
//
// Sends N generated hostile requests over HTTP (scripts/fuzz/cases.ts: mutated real photos,
// lying headers, bombs, polyglots, SVG/HTML/HEIC posing as images, broken multipart, and
// malformed JSON for every JSON operation of the server's OpenAPI description) and prints, per
// kind, the cases, the status histogram and the 5xx count (503 "busy" apart), with the server's
// RSS before/after. Exits 1 if any 5xx other than 503 came back or /healthz stopped answering
// (or RSS grew by more than --max-rss-growth-mb, default 1024, when it is measured).
//
// Without --url the server runs in this process, as `npm start` would, on an embedded PGlite in a
// temporary DATA_DIR (removed afterwards) with the demo university, the real photo engine
// (KAOZHAO_PHOTO_WORKERS threads, default 1 here) and the production limits, except the
// per-address identify limit, raised so malformed identify/verify bodies reach validation rather
// than a 429. --students N demo students sign in (default 50). Server log: DATA_DIR/server.log,
// its error lines printed at the end (--verbose keeps DATA_DIR). --seed S and --from I replay:
// case I of seed S is the same case in every run.
//
// With --url URL (a running server; use a disposable instance: the admin cases call admin
// routes with bad input and some may be accepted) the sessions come from
//   --logins FILE         a demo-logins.txt (DATA_DIR/demo-logins.txt of a demo start), or
//   --student NUM:IDNUM   (repeatable)  / KAOZHAO_FUZZ_STUDENTS="NUM:IDNUM,NUM:IDNUM"
//   --admin USER --password PW          / KAOZHAO_FUZZ_ADMIN, KAOZHAO_FUZZ_ADMIN_PASSWORD
// (an HQ admin reaches every admin route); --upload-limit-mb (default 20, the server's
// KAOZHAO_UPLOAD_LIMIT_MB) sizes the over-the-limit case; --pid PID reads that process's RSS
// from /proc. Several students help: each may have one photo in the making and 10 per 10 min.
//
// Seeds: KAOZHAO_FACES (default ../shared/data/faces)/portraits, read in place, never copied.
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type FuzzCase, generateCase, loadAssets, type OpenApiDoc } from './fuzz/cases.js';
import { formatTable, type Logins, runCases } from './fuzz/runner.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string', default: '0' },
    url: { type: 'string' },
    logins: { type: 'string' },
    student: { type: 'string', multiple: true },
    admin: { type: 'string' },
    password: { type: 'string' },
    'upload-limit-mb': { type: 'string' },
    pid: { type: 'string' },
    'max-rss-growth-mb': { type: 'string', default: '1024' },
    students: { type: 'string', default: '50' },
    verbose: { type: 'boolean', default: false },
  },
});

const root = path.resolve(import.meta.dirname, '..');
const facesDir = path.resolve(process.env.KAOZHAO_FACES ?? path.join(root, '..', 'shared', 'data', 'faces'));

interface Target {
  url: string;
  logins: Logins;
  uploadLimitBytes: number;
  rss?: () => number | undefined;
  logFile?: string;
  close(): Promise<void>;
}

/** The server as `npm start` builds it, in this process, on a throwaway DATA_DIR. */
async function inProcess(): Promise<Target> {
  const { loadConfig } = await import('../src/config.js');
  const { migrateDatabase, openDatabase } = await import('../src/db/client.js');
  const { seedDemo } = await import('../src/seed/demo.seed.js');
  const { buildApp } = await import('../src/server/app.js');
  const { createContext } = await import('../src/server/context.js');
  // Embedded PGlite whatever the shell has: a fuzz run must never write into a real database.
  delete process.env.DATABASE_URL;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kz-fuzz-'));
  const logFile = path.join(dataDir, 'server.log');
  const config = loadConfig({
    dataDir,
    databaseUrl: undefined,
    photoPoolSize: Number(process.env.KAOZHAO_PHOTO_WORKERS ?? 1),
    identifyPerIpPerMinute: 1_000_000,
    logLevel: 'info',
  });
  const database = await openDatabase({ dataDir: path.join(dataDir, 'pg') });
  await migrateDatabase(database);
  const ctx = await createContext(config, database, { processJobs: config.photoPoolSize > 0 });
  const demo = await seedDemo(database.db, ctx.cipher);
  const log = createWriteStream(logFile);
  const app = await buildApp(ctx, { logStream: log, logLevel: 'info' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const n = Number(args.students);
  const hq = demo.admins.find((a) => a.role === 'hq')!;
  return {
    url: `http://127.0.0.1:${port}`,
    logins: {
      students: demo.students.slice(0, n).map((s) => ({ studentNumber: s.studentNumber, idNumber: s.idNumber })),
      admin: { username: hq.username, password: hq.password },
    },
    uploadLimitBytes: config.uploadLimitBytes,
    rss: () => process.memoryUsage().rss,
    logFile,
    async close() {
      await app.close();
      await ctx.close();
      await database.close();
      await new Promise((r) => log.end(r));
    },
  };
}

async function remote(url: string): Promise<Target> {
  const { parseDemoLogins } = await import('../src/seed/demo-logins.js');
  const students: Logins['students'] = [];
  let admin: Logins['admin'] | undefined;
  if (args.logins) {
    const l = parseDemoLogins(readFileSync(args.logins, 'utf8'));
    students.push(...l.students);
    const hq = l.admins.find((a) => a.role === 'hq');
    if (hq) admin = { username: hq.username, password: hq.password };
  }
  const pairs = [...(args.student ?? []), ...(process.env.KAOZHAO_FUZZ_STUDENTS?.split(',') ?? [])];
  for (const p of pairs.filter(Boolean)) {
    const [studentNumber, idNumber] = p.split(':');
    if (!studentNumber || !idNumber) throw new Error(`--student wants NUM:IDNUM, got "${p.slice(0, 8)}…"`);
    students.push({ studentNumber, idNumber });
  }
  const username = args.admin ?? process.env.KAOZHAO_FUZZ_ADMIN;
  const password = args.password ?? process.env.KAOZHAO_FUZZ_ADMIN_PASSWORD;
  if (username && password) admin = { username, password };
  if (!students.length || !admin) {
    throw new Error(
      '--url needs a student (--student NUM:IDNUM or --logins FILE) and an admin (--admin/--password or --logins)',
    );
  }
  const pid = args.pid ? Number(args.pid) : undefined;
  return {
    url: url.replace(/\/$/, ''),
    logins: { students, admin },
    uploadLimitBytes: Number(args['upload-limit-mb'] ?? 20) * 1024 * 1024,
    rss: pid
      ? () => {
          try {
            const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
            return m ? Number(m[1]) * 1024 : undefined;
          } catch {
            return undefined;
          }
        }
      : undefined,
    async close() {},
  };
}

async function main(): Promise<number> {
  const n = Number(args.cases);
  const seed = Number(args.seed);
  const from = Number(args.from);
  const target = args.url ? await remote(args.url) : await inProcess();
  try {
    const doc = (await (await fetch(`${target.url}/docs/json`)).json()) as OpenApiDoc;
    const assets = await loadAssets(facesDir, seed);
    console.log(
      `fuzz: ${n} cases, seed ${seed}, against ${args.url ? target.url : `${target.url} (in-process, DATA_DIR ${path.dirname(target.logFile!)})`}`,
    );
    console.log(
      `seeds (${assets.real ? `read in place from ${facesDir}/portraits` : 'SYNTHETIC: no face photos found'}): ${assets.seeds.map((s) => s.name).join(', ')}`,
    );
    const opts = {
      assets,
      doc,
      seed,
      uploadLimitBytes: target.uploadLimitBytes,
      studentNumber: target.logins.students[0]!.studentNumber,
    };
    // Lazily: the over-the-limit cases are 20 MB each, so the cases are never all held at once.
    function* cases(): Generator<FuzzCase> {
      for (let i = from; i < from + n; i++) yield generateCase(opts, i);
    }
    const result = await runCases(cases(), {
      baseUrl: target.url,
      logins: target.logins,
      rss: target.rss,
      onProgress: (done, r) => {
        const s5 = r.failures.length;
        const rss = r.rss.at(-1);
        process.stderr.write(`  ${done}/${n} cases, ${s5} 5xx${rss ? `, RSS ${rss.mb} MB` : ''}\n`);
      },
    });
    console.log(`\n${formatTable(result)}`);
    for (const f of result.failures.slice(0, 30)) {
      console.log(`5xx  #${f.index} ${f.kind} → ${f.status}: ${f.note}\n     ${f.detail ?? ''}`);
    }
    for (const f of result.noAnswers.slice(0, args.verbose ? 100 : 10)) {
      console.log(`no answer  #${f.index} ${f.kind}: ${f.note}: ${f.detail ?? ''}`);
    }
    for (const h of result.healthFailures) console.log(`/healthz failed after case ${h.atCase}: ${h.detail}`);
    if (target.logFile && result.failures.length) {
      const lines = readFileSync(target.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"level":50'));
      console.log(`\nserver log, errors (${lines.length}):\n${lines.slice(0, 20).join('\n')}`);
    }
    const mbs = result.rss.map((s) => s.mb);
    const growth = mbs.length ? Math.max(...mbs) - mbs[0]! : 0;
    const rssBad = growth > Number(args['max-rss-growth-mb']);
    if (rssBad) console.log(`RSS grew by ${growth} MB (limit ${args['max-rss-growth-mb']} MB)`);
    const ok = result.failures.length === 0 && result.healthFailures.length === 0 && !rssBad;
    console.log(ok ? '\nPASS' : '\nFAIL');
    return ok ? 0 : 1;
  } finally {
    await target.close();
    if (target.logFile && !args.verbose) rmSync(path.dirname(target.logFile), { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('fuzz failed:', e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
