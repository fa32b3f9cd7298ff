// Database bench at full scale on a PostgreSQL server: 4.5 million students in 3,000 centres and
// 60 branches, half collected. Prints median ms and peak memory per scenario.
//   DATABASE_URL (or TEST_DATABASE_URL) = server to create the bench database on
//   BENCH_STUDENTS = 4500000, BENCH_REUSE = 1 keeps an already generated database
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { type Database, migrateDatabase, openDatabase, rows } from '../src/db/client.js';
import { createAuditRepository } from '../src/server/repositories/audit.repository.js';
import { createCountsRepository } from '../src/server/repositories/counts.repository.js';
import { createOrgRepository } from '../src/server/repositories/org.repository.js';
import { createPhotoRepository } from '../src/server/repositories/photo.repository.js';
import { createFsStorage } from '../src/server/repositories/storage.repository.js';
import { createStudentRepository } from '../src/server/repositories/student.repository.js';
import type { AdminPrincipal } from '../src/server/services/admin-auth.service.js';
import { createExportService } from '../src/server/services/export.service.js';
import { createProgressService } from '../src/server/services/progress.service.js';

const base = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.BENCH_STUDENTS ?? 4_500_000);
const BRANCHES = 60;
const CENTRES = 3000;
const DB_NAME = `kz_bench_${N}`;

async function ensureDatabase(): Promise<{ url: string; fresh: boolean }> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount === 1;
  if (exists && process.env.BENCH_REUSE !== '1') await admin.query(`DROP DATABASE ${DB_NAME} WITH (FORCE)`);
  if (!exists || process.env.BENCH_REUSE !== '1') await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${DB_NAME}`;
  return { url: u.toString(), fresh: !exists || process.env.BENCH_REUSE !== '1' };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return r;
}

async function generate(database: Database): Promise<string> {
  const db = database.db;
  console.log(`Generating ${N.toLocaleString()} students in ${CENTRES} centres, ${BRANCHES} branches…`);
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
  await timed('students', () =>
    db.execute(sql`
      WITH c AS (SELECT id, parent_id, row_number() OVER (ORDER BY id) - 1 AS k FROM org_units WHERE level = 'centre')
      INSERT INTO students (student_number, name, id_number_enc, id_number_hmac, id_number_masked, centre_id,
                            branch_id, enrolment_status, intake_semester, phone)
      SELECT lpad(g::text, 12, '0'), '学生' || g,
             decode(md5(g::text) || md5('e' || g), 'hex'), sha256(('h' || g)::bytea),
             '1101**********' || lpad((g % 10000)::text, 4, '0'), c.id, c.parent_id,
             CASE WHEN g % 50 = 0 THEN 'suspended' ELSE 'enrolled' END, '2025-2',
             CASE WHEN g % 3 = 0 THEN '138' || lpad((g % 100000000)::text, 8, '0') END
      FROM generate_series(1, ${N}) g JOIN c ON c.k = g % ${CENTRES}`),
  );
  const [campaign] = await rows<{ id: string }>(
    db,
    sql`INSERT INTO campaigns (name, semester, semester_index, starts_at, ends_at)
        VALUES ('2026年秋季考试照片采集', '2026-2', 4053, now() - interval '20 days', now() + interval '10 days')
        RETURNING id`,
  );
  const cid = campaign!.id;
  await timed('photos (half of the students)', () =>
    db.execute(sql`
      INSERT INTO photos (student_id, campaign_id, status, spec_id, verdict, background, backgrounds, progress,
                          created_at, processed_at, submitted_at)
      SELECT s.id, ${cid}, CASE WHEN s.id % 10 = 0 THEN 'needs_review' WHEN s.id % 37 = 0 THEN 'rejected' ELSE 'approved' END,
             'chsi', CASE WHEN s.id % 10 = 0 THEN 'warn' ELSE 'pass' END, 'blue', ARRAY['blue','white','gray'], 1,
             now() - ((s.id % 20) || ' days')::interval, now() - ((s.id % 20) || ' days')::interval,
             now() - ((s.id % 20) || ' days')::interval
      FROM students s WHERE s.id % 2 = 0`),
  );
  await timed('submissions', () =>
    db.execute(sql`
      INSERT INTO submissions (campaign_id, student_id, photo_id, status, centre_id, branch_id, submitted_at)
      SELECT p.campaign_id, p.student_id, p.id, p.status, s.centre_id, s.branch_id, p.submitted_at
      FROM photos p JOIN students s ON s.id = p.student_id`),
  );
  await timed('daily counts', () =>
    db.execute(sql`
      INSERT INTO daily_counts (campaign_id, centre_id, branch_id, day, submitted, approved, rejected)
      SELECT campaign_id, centre_id, branch_id, (submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
             count(*), count(*) FILTER (WHERE status = 'approved'), count(*) FILTER (WHERE status = 'rejected')
      FROM submissions GROUP BY 1, 2, 3, 4`),
  );
  await timed('VACUUM ANALYZE', () => db.execute(sql`VACUUM ANALYZE`));
  return cid;
}

interface Row {
  scenario: string;
  runs: number;
  medianMs: number;
  peakMB: number;
  rows: number | string;
}

async function measure(scenario: string, runs: number, fn: () => Promise<number | string>): Promise<Row> {
  const times: number[] = [];
  let peak = 0;
  let out: number | string = 0;
  const base = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss - base);
  }, 20);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss - base);
  times.sort((a, b) => a - b);
  console.log(`  ${scenario}: median ${Math.round(times[Math.floor(times.length / 2)]!)} ms`);
  return {
    scenario,
    runs,
    medianMs: Math.round(times[Math.floor(times.length / 2)]!),
    peakMB: Math.round(peak / 1024 / 1024),
    rows: out,
  };
}

/** Discards bytes, counting them, with the backpressure of a real socket. */
function sink(): { stream: Writable; bytes: () => number } {
  let n = 0;
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb();
    },
  });
  return { stream, bytes: () => n };
}

async function main(): Promise<void> {
  const { url, fresh } = await ensureDatabase();
  const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
  await migrateDatabase(database);
  const db = database.db;
  let cid: string;
  if (fresh) cid = await generate(database);
  else cid = (await rows<{ id: string }>(db, sql`SELECT id FROM campaigns LIMIT 1`))[0]!.id;

  const units = createOrgRepository(db);
  const counts = createCountsRepository(db);
  const progress = createProgressService({ counts, units });
  const audit = createAuditRepository(db);
  const exportsSvc = createExportService({
    students: createStudentRepository(db),
    photos: createPhotoRepository(db),
    units,
    storage: createFsStorage('/tmp/kz-bench-none'),
    audit,
  });
  const all = await units.all();
  const hq = all.find((u) => u.level === 'hq')!;
  // The second centre: the generator gives even ids (collected) and odd ids (not) to every centre but the first.
  const centre = all.filter((u) => u.level === 'centre')[1]!;
  const principal = { admin: { id: 0 } as AdminPrincipal['admin'], unit: hq } as AdminPrincipal;
  const results: Row[] = [];

  results.push(
    await measure('refresh counters (full recompute, after import)', 1, async () => {
      await counts.refresh(cid);
      return CENTRES;
    }),
  );
  results.push(
    await measure('HQ progress tree (3,061 units)', 20, async () => {
      const t = await progress.tree(cid, hq);
      return t.root.enrolled;
    }),
  );
  results.push(
    await measure('daily report, HQ, all branches and centres', 20, async () => {
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      return (await progress.dailyReport(cid, hq, today)).rows.length;
    }),
  );
  results.push(
    await measure('one centre: uncollected XLSX (streamed)', 10, async () => {
      const s = sink();
      const pass = new (await import('node:stream')).PassThrough();
      pass.pipe(s.stream);
      const n = await exportsSvc.uncollectedXlsx(principal, cid, centre, pass);
      return n;
    }),
  );
  results.push(
    await measure('one centre: uncollected JSON page of 100', 20, async () => {
      return (await exportsSvc.uncollectedPage(principal, cid, centre, 0, 100)).items.length;
    }),
  );
  if (process.env.BENCH_SKIP_HQ_EXPORT !== '1') {
    results.push(
      await measure('HQ-wide uncollected XLSX (streamed)', 1, async () => {
        const s = sink();
        const pass = new (await import('node:stream')).PassThrough();
        pass.pipe(s.stream);
        const n = await exportsSvc.uncollectedXlsx(principal, cid, hq, pass);
        return `${n} rows, ${(s.bytes() / 1e6).toFixed(0)} MB`;
      }),
    );
  }
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM students`);
  console.log(
    `\nbench:db on PostgreSQL (${url.replace(/\/\/[^@]*@/, '//')}), ${n.toLocaleString()} students, half collected`,
  );
  console.table(results);
  await database.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
