// Uncollected-students XLSX export on the embedded database (PGlite): generates N students (half
// collected, 1 in 50 suspended, 1 in 37 collected ones rejected), then times the HQ-wide export, a
// branch's and one centre's, with the time spent waiting for the database, this process's CPU time
// (less sensitive than the clock to other work on the machine), its peak RSS and the load average.
// Prints a table.
//   BENCH_STUDENTS = 200000   students to generate
//   BENCH_DIR = /tmp/kz-export-bench-<N>   PGlite data directory, kept and reused when it exists
//   BENCH_RUNS = 1   runs of the HQ-wide export (the centre's is run 20 times)
//   BENCH_URL = postgres://…/kz_export_4500000   a PostgreSQL database instead: created and generated
//     when it has no units yet (4,500,000 students leave ≈ 2.3 M uncollected), kept for later runs
//   BENCH_ONLY = centre,branch,hq   which exports to time (empty: generate only)
// `node --cpu-prof --import tsx bench/export.bench.ts` writes a profile to open in Chrome DevTools.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, migrateDatabase, openDatabase, rows } from '../src/db/client.js';
import { createAuditRepository } from '../src/server/repositories/audit.repository.js';
import { createOrgRepository, type OrgUnit } from '../src/server/repositories/org.repository.js';
import { createPhotoRepository } from '../src/server/repositories/photo.repository.js';
import { createFsStorage } from '../src/server/repositories/storage.repository.js';
import { createStudentRepository, type StudentRepository } from '../src/server/repositories/student.repository.js';
import type { AdminPrincipal } from '../src/server/services/admin-auth.service.js';
import { createExportService } from '../src/server/services/export.service.js';

const N = Number(process.env.BENCH_STUDENTS ?? 200_000);
const DIR = process.env.BENCH_DIR ?? `/tmp/kz-export-bench-${N}`;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const URL = process.env.BENCH_URL;
const ONLY = (process.env.BENCH_ONLY ?? 'centre,branch,hq').split(',');
const BRANCHES = 60;
const CENTRES = 3000;

async function generate(database: Database): Promise<void> {
  const db = database.db;
  const t = performance.now();
  console.log(
    `Generating ${N.toLocaleString()} students in ${CENTRES} centres, ${BRANCHES} branches in ${URL ? 'BENCH_URL' : DIR}…`,
  );
  await db.execute(sql`INSERT INTO org_units (level, code, name) VALUES ('hq', 'HQ', '总部')`);
  await db.execute(sql`
    INSERT INTO org_units (level, code, name, parent_id)
    SELECT 'branch', 'B' || b, '分部' || b, (SELECT id FROM org_units WHERE code = 'HQ')
    FROM generate_series(1, ${BRANCHES}) b`);
  await db.execute(sql`
    INSERT INTO org_units (level, code, name, parent_id)
    SELECT 'centre', 'B' || ((c - 1) % ${BRANCHES} + 1) || 'C' || c, '学习中心' || c,
           (SELECT id FROM org_units WHERE code = 'B' || ((c - 1) % ${BRANCHES} + 1))
    FROM generate_series(1, ${CENTRES}) c`);
  await db.execute(sql`
    WITH c AS (SELECT id, parent_id, row_number() OVER (ORDER BY id) - 1 AS k FROM org_units WHERE level = 'centre')
    INSERT INTO students (student_number, name, id_number_enc, id_number_hmac, id_number_masked, centre_id,
                          branch_id, enrolment_status, intake_semester, phone)
    SELECT lpad(g::text, 12, '0'), '学生' || g,
           decode(md5(g::text) || md5('e' || g), 'hex'), sha256(('h' || g)::bytea),
           '1101**********' || lpad((g % 10000)::text, 4, '0'), c.id, c.parent_id,
           CASE WHEN g % 50 = 0 THEN 'suspended' ELSE 'enrolled' END, '2025-2',
           CASE WHEN g % 3 = 0 THEN '138' || lpad((g % 100000000)::text, 8, '0') END
    FROM generate_series(1, ${N}) g JOIN c ON c.k = g % ${CENTRES}`);
  const [campaign] = await rows<{ id: string }>(
    db,
    sql`INSERT INTO campaigns (name, semester, semester_index, starts_at, ends_at)
        VALUES ('2026年秋季考试照片采集', '2026-2', 4053, now() - interval '20 days', now() + interval '10 days')
        RETURNING id`,
  );
  await db.execute(sql`
    INSERT INTO photos (student_id, campaign_id, status, spec_id, verdict, background, backgrounds, progress,
                        created_at, processed_at, submitted_at)
    SELECT s.id, ${campaign!.id}, CASE WHEN s.id % 10 = 0 THEN 'needs_review' WHEN s.id % 37 = 0 THEN 'rejected' ELSE 'approved' END,
           'chsi', 'pass', 'blue', ARRAY['blue','white','gray'], 1, now(), now(), now()
    FROM students s WHERE s.id % 2 = 0`);
  await db.execute(sql`
    INSERT INTO submissions (campaign_id, student_id, photo_id, status, centre_id, branch_id, submitted_at)
    SELECT p.campaign_id, p.student_id, p.id, p.status, s.centre_id, s.branch_id, p.submitted_at
    FROM photos p JOIN students s ON s.id = p.student_id`);
  await db.execute(sql`VACUUM ANALYZE`);
  console.log(`  generated in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

/** Creates BENCH_URL's database on its server when it does not exist yet. */
async function createDatabaseIfMissing(url: string): Promise<void> {
  const u = new globalThis.URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (!exists) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

/** Discards bytes, counting them, with the backpressure of a socket. */
function sink(): { stream: Writable; bytes: () => number } {
  let n = 0;
  const stream = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      setImmediate(cb);
    },
  });
  return { stream, bytes: () => n };
}

interface Result {
  export: string;
  runs: number;
  rows: number;
  MB: number;
  'seconds (median)': number;
  'rows/s': number;
  'db share': string;
  'CPU s/run': number;
  'peak RSS MB': number;
}

async function main(): Promise<void> {
  if (URL) await createDatabaseIfMissing(URL);
  const fresh = !URL && !existsSync(DIR);
  const database = await openDatabase(URL ? { databaseUrl: URL, poolSize: 4 } : { dataDir: DIR });
  await migrateDatabase(database);
  // A PostgreSQL database is generated once, when it has no units yet, and kept for later runs.
  const empty =
    URL !== undefined &&
    (await rows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM org_units`))[0]?.n === 0;
  if (fresh || empty) await generate(database);
  const db = database.db;
  const [{ cid } = { cid: '' }] = await rows<{ cid: string }>(db, sql`SELECT id AS cid FROM campaigns LIMIT 1`);

  // The repository, with the time its pages take counted: the rest of an export is JavaScript.
  const repo = createStudentRepository(db);
  let dbMs = 0;
  const timedRepo: StudentRepository = new Proxy(repo, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const t = performance.now();
        let r: unknown;
        try {
          r = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          dbMs += performance.now() - t;
        }
        // A stream (uncollectedCopy): the time each block is waited for counts.
        if (r && typeof r === 'object' && Symbol.asyncIterator in r) {
          const it = r as AsyncGenerator<unknown>;
          const timed = async <T>(f: () => Promise<T>): Promise<T> => {
            const t0 = performance.now();
            try {
              return await f();
            } finally {
              dbMs += performance.now() - t0;
            }
          };
          const wrapped: AsyncGenerator<unknown> = {
            next: (...a: [] | [unknown]) => timed(() => it.next(...a)),
            return: (x: unknown) => timed(() => it.return(x)),
            throw: (e: unknown) => timed(() => it.throw(e)),
            [Symbol.asyncIterator]() {
              return wrapped;
            },
          };
          return wrapped;
        }
        return r;
      };
    },
  });
  const units = createOrgRepository(db);
  const svc = createExportService({
    students: timedRepo,
    photos: createPhotoRepository(db),
    units,
    storage: createFsStorage('/tmp/kz-bench-none'),
    audit: createAuditRepository(db),
  });
  const all = await units.all();
  const hq = all.find((u) => u.level === 'hq')!;
  const branch = all.filter((u) => u.level === 'branch')[1]!;
  // The second centre: the first one's students all have even ids.
  const centre = all.filter((u) => u.level === 'centre')[1]!;
  const principal = { admin: { id: 0, role: 'hq' } as AdminPrincipal['admin'], unit: hq } as AdminPrincipal;

  const results: Result[] = [];
  async function measure(label: string, unit: OrgUnit, runs: number): Promise<void> {
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    let n = 0;
    let bytes = 0;
    dbMs = 0;
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const s = sink();
      const done = new Promise<void>((resolve, reject) => {
        s.stream.on('finish', resolve).on('error', reject);
      });
      const { PassThrough } = await import('node:stream');
      const out = new PassThrough();
      out.pipe(s.stream);
      n = await svc.uncollectedXlsx(principal, cid, unit, out);
      await done;
      bytes = s.bytes();
      times.push(performance.now() - t);
    }
    const used = process.cpuUsage(cpu);
    // The median run: the first one also compiles the code paths.
    const ms = times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    results.push({
      export: label,
      runs,
      rows: n,
      MB: Math.round(bytes / 1e5) / 10,
      'seconds (median)': Math.round(ms) / 1000,
      'rows/s': Math.round(n / (ms / 1000)),
      'db share': `${Math.round((dbMs / times.reduce((a, b) => a + b, 0)) * 100)} %`,
      // This process's CPU (all threads: deflate runs on the pool), per run: less sensitive than the
      // clock to other work on the machine. The database server's CPU is not in it.
      'CPU s/run': Math.round((used.user + used.system) / runs / 1e4) / 100,
      'peak RSS MB': Math.round(peak / 1024 / 1024),
    });
    console.log(`  ${label}: ${n} rows in ${(ms / 1000).toFixed(2)} s (load ${loadavg()[0]!.toFixed(2)})`);
  }

  if (ONLY.includes('centre')) await measure('one centre', centre, 20);
  if (ONLY.includes('branch')) await measure('one branch', branch, 1);
  if (ONLY.includes('hq')) await measure('HQ-wide', hq, RUNS);
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM students`);
  const where = URL ? `PostgreSQL (${URL.replace(/\/\/[^@]*@/, '//')})` : `PGlite (${DIR})`;
  console.log(`\nbench:export on ${where}, ${n.toLocaleString()} students, half collected`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} on ${cpus().length} cores`,
  );
  console.table(results);
  await database.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
