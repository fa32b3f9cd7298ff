// Fault bench: the deployment of bench/deploy.ts (PostgreSQL, API processes with
// KAOZHAO_PHOTO_WORKERS=0, two `npm run worker` processes) under BENCH_STUDENTS students (200)
// while, every BENCH_KILL_EVERY_SECONDS (20), one worker process (in turn) is killed with SIGKILL
// and started again, and the PostgreSQL server is restarted once, BENCH_PG_RESTART_AT_SECONDS (60)
// into the run (`pg_ctlcluster V main restart`; skipped with a line saying why where that is not
// possible). Kills go on until every student is done.
//
// Prints what must be zero — photos lost (uploaded, never reached a terminal state), photos made
// twice (a second transition out of `processing`, or result files written after the photo's first
// terminal transition), submissions lost (the server answered 2xx to a submit and the database
// holds no such submission) — the longest a student waited (upload → ready) and every answer the
// API gave while the database was restarting (it must be quick errors, not hangs).
//   BENCH_APIS (2), BENCH_WORKERS (2), BENCH_RAMP_SECONDS (40), BENCH_PATIENCE_SECONDS (1800),
//   BENCH_WORKER_THREADS: as bench/load.bench.ts. KAOZHAO_JOB_EXPIRE_SECONDS etc. reach the
//   processes unchanged (default 300 s: a killed worker's photo waits that long to be retried).
import { haveFaces, listFaces, readFace } from '../test/faces.js';
import {
  type CallEvent,
  type Cluster,
  createClients,
  DEFAULT_PG_URL,
  ensureClusterUp,
  localCluster,
  processingLine,
  queueTable,
  restartCluster,
  STEPS,
  sleep,
  startDeployment,
  stepTable,
  uptime,
} from './deploy.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N = env('BENCH_STUDENTS', 200);
const KILL_EVERY = env('BENCH_KILL_EVERY_SECONDS', 20);
const RESTART_AT = env('BENCH_PG_RESTART_AT_SECONDS', 60);

/** Every answer in [from, to] seconds, per step: what the students met while the database was away. */
function windowTable(events: CallEvent[], from: number, to: number) {
  return STEPS.map((step) => {
    const xs = events.filter((e) => e.step === step && e.t >= from && e.t <= to);
    const kinds = new Map<string, number>();
    for (const e of xs) {
      const k =
        e.status === -1 ? 'hang' : e.status === 0 ? 'no connection' : `${e.status}${e.code ? ` ${e.code}` : ''}`;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    return {
      step,
      requests: xs.length,
      answers: [...kinds.entries()].map(([k, n]) => `${k} ×${n}`).join(', ') || '-',
      maxms: Math.round(Math.max(0, ...xs.map((e) => e.ms))),
    };
  });
}

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('SKIP bench:faults: no face photos (set KAOZHAO_FACES)');
    return;
  }
  const apis = env('BENCH_APIS', 2);
  const workers = env('BENCH_WORKERS', 2);
  const ramp = env('BENCH_RAMP_SECONDS', 40);
  const cluster: Cluster | string = await localCluster(process.env.DATABASE_URL ?? DEFAULT_PG_URL);
  console.log(`bench:faults: ${uptime()}`);
  if (typeof cluster === 'string') console.log(`SKIP fault "PostgreSQL restart": ${cluster}`);
  const dep = await startDeployment({ prefix: 'kz_faults', students: N, apis, workers, observe: true });
  let killer: NodeJS.Timeout | undefined;
  let restart: { from: number; to: number; result: string } | undefined;
  try {
    console.log(
      `bench:faults: ${N} students over ${ramp} s, ${apis} API process(es), ${workers} worker process(es); ` +
        `a worker SIGKILLed every ${KILL_EVERY} s and restarted` +
        (typeof cluster === 'string'
          ? ''
          : `, PostgreSQL ${cluster.version}/${cluster.name} restarted at ${RESTART_AT} s`),
    );
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    dep.startSampling(t0, env('BENCH_SAMPLE_SECONDS', 5));
    const clients = createClients({
      urls: dep.apiUrls,
      agreementVersion: dep.agreementVersion,
      faces: listFaces('portraits').map((f) => readFace(f)),
      t0,
      patienceSeconds: env('BENCH_PATIENCE_SECONDS', 1800),
      stepPatienceSeconds: 120,
      requestTimeoutSeconds: 30,
      pollMs: 1000,
    });
    let next = 0;
    const kills: string[] = [];
    killer = setInterval(() => {
      const w = dep.workers[next++ % dep.workers.length]!;
      kills.push(`${Math.round(since())} s ${w.name}${w.pid ? '' : ' (not running)'}`);
      void w.killAndRestart();
    }, KILL_EVERY * 1000);
    const pgFault =
      typeof cluster === 'string'
        ? Promise.resolve()
        : sleep(RESTART_AT * 1000).then(async () => {
            const from = since();
            const r = await restartCluster(cluster);
            // Down until it answers again, not until pg_ctlcluster returned.
            for (let i = 0; i < 120; i++) {
              if (
                await dep.pool.query('SELECT 1').then(
                  () => true,
                  () => false,
                )
              )
                break;
              await sleep(500);
            }
            restart = { from, to: since(), result: r.message };
          });
    const outcomes = await clients.runAll(dep.students, ramp);
    await pgFault;
    clearInterval(killer);
    const wall = since();

    // The accounting, from the database (the triggers of bench/deploy.ts) against what clients saw.
    const q = async <T>(text: string, params: unknown[] = []) => (await dep.pool.query(text, params)).rows as T[];
    // A photo still processing is lost when nothing will finish it: no job, or a job pg-boss has
    // ended. One with a live job (waiting, or active and due to expire after a kill) is only late:
    // the students' patience ran out first.
    const unfinished = await q<{ id: string; attempts: number; job: string | null; retries: number | null }>(
      `SELECT p.id, p.attempts, j.state::text AS job, j.retry_count AS retries
         FROM photos p LEFT JOIN pgboss.job j ON j.name = $1 AND j.id = p.id
        WHERE p.status = 'processing'`,
      ['photo.make'],
    );
    const live = new Set(['created', 'retry', 'active']);
    const lost = unfinished.filter((u) => !u.job || !live.has(u.job));
    const late = unfinished.filter((u) => u.job && live.has(u.job));
    const uploadedByClients = outcomes.filter((o) => o.photoId).length;
    const [{ photos } = { photos: 0 }] = await q<{ photos: number }>('SELECT count(*)::int AS photos FROM photos');
    const twiceTransitions = await q<{ photo_id: string; n: number }>(
      'SELECT photo_id, count(*)::int AS n FROM bench_transitions GROUP BY photo_id HAVING count(*) > 1',
    );
    const lateFiles = await q<{ key: string; photo_status: string }>(
      `SELECT key, photo_status FROM bench_file_writes WHERE photo_status IS DISTINCT FROM 'processing'`,
    );
    const [{ remade } = { remade: 0 }] = await q<{ remade: number }>(
      `SELECT count(DISTINCT split_part(key, '/', 1))::int AS remade FROM bench_file_writes
        WHERE op = 'UPDATE' AND photo_status = 'processing'`,
    );
    const acknowledged = outcomes.filter((o) => o.submitted);
    const held = new Set(
      (
        await q<{ photo_id: string }>(
          `SELECT s.photo_id FROM submissions s JOIN photos p ON p.id = s.photo_id
            WHERE p.status IN ('needs_review', 'approved')`,
        )
      ).map((r) => r.photo_id),
    );
    const lostSubmissions = acknowledged.filter((o) => !held.has(o.photoId!));
    const [attempts] = await q<{ max: number; over1: number }>(
      `SELECT max(attempts)::int AS max, count(*) FILTER (WHERE attempts > 1)::int AS over1 FROM photos`,
    );

    console.log('\nAPI steps over the whole run (every answer, retries included):');
    console.table(stepTable(clients.events));
    console.log(processingLine(outcomes));
    const gaveUp = new Map<string, number>();
    for (const o of outcomes) if (o.gaveUp) gaveUp.set(o.gaveUp, (gaveUp.get(o.gaveUp) ?? 0) + 1);
    console.log(
      `wall ${wall.toFixed(1)} s; worker kills ${kills.length} (${kills.join(', ')}); students who did not finish: ` +
        (gaveUp.size ? JSON.stringify(Object.fromEntries(gaveUp)) : 'none'),
    );

    console.log('\nfault accounting:');
    console.table([
      {
        what: 'photos lost (still processing, no job left to finish them)',
        count: lost.length,
        must: 0,
        detail: lost.length
          ? lost
              .slice(0, 5)
              .map((l) => `${l.id} attempts ${l.attempts} job ${l.job ?? 'none'}/${l.retries ?? '-'}`)
              .join('; ')
          : `${photos} photo rows, ${uploadedByClients} uploads acknowledged to students`,
      },
      {
        what: 'photos not finished when the students gave up (a live job: late, not lost)',
        count: late.length,
        must: '-',
        detail: late.length
          ? Object.entries(
              late.reduce<Record<string, number>>((m, l) => {
                const k = `${l.job} retry ${l.retries}`;
                m[k] = (m[k] ?? 0) + 1;
                return m;
              }, {}),
            )
              .map(([k, n]) => `${k} ×${n}`)
              .join(', ')
          : '-',
      },
      {
        what: 'photos made twice (2nd transition out of processing)',
        count: twiceTransitions.length,
        must: 0,
        detail: twiceTransitions.map((r) => r.photo_id).join(' ') || '-',
      },
      {
        what: 'photos made twice (result file written after the photo was terminal)',
        count: lateFiles.length,
        must: 0,
        detail: lateFiles
          .slice(0, 5)
          .map((r) => `${r.key} (${r.photo_status})`)
          .join(' '),
      },
      {
        what: 'submissions lost (2xx to the student, not in the database)',
        count: lostSubmissions.length,
        must: 0,
        detail: `${acknowledged.length} submits acknowledged`,
      },
      {
        what: 'photos remade before their first result was kept (killed mid-job; harmless)',
        count: remade,
        must: '-',
        detail: `${attempts?.over1 ?? 0} photos started more than once, at most ${attempts?.max ?? 0} times`,
      },
    ]);

    if (restart) {
      console.log(
        `\nPostgreSQL restart: ${restart.result}, from ${restart.from.toFixed(1)} s to ${restart.to.toFixed(1)} s ` +
          `(until it answered again); every API answer sent in that window and the 10 s after:`,
      );
      console.table(windowTable(clients.events, restart.from, restart.to + 10));
      const after = clients.events.filter((e) => e.t > restart!.to + 10);
      const bad = after.filter((e) => e.status >= 500 || e.status <= 0).length;
      console.log(`after that window: ${after.length} answers, ${bad} of them 5xx or none (recovered: ${bad === 0})`);
    }
    for (const [i, a] of dep.apis.entries()) {
      const ok = await fetch(`${a.url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      console.log(`api ${i + 1}: ${ok ? 'answering' : 'NOT ANSWERING'} at the end`);
    }
    console.log('\nqueue depth (from the database):');
    const samples = queueTable(dep.samples);
    console.table(samples.length > 60 ? samples.filter((_, i) => i % 2 === 0) : samples);
    console.log('\nmemory per process:');
    console.table(dep.rssTable());
    for (const w of dep.workers) {
      console.log(
        `${w.name}: ${w.kills} kills, ${w.starts} starts, ready after ${w.readySeconds.map((x) => x.toFixed(0)).join('/')} s, unexpected exits: ${w.crashes.length ? w.crashes.join(' || ') : 'none'}`,
      );
    }
    console.log(`bench:faults: ${uptime()}`);
  } finally {
    clearInterval(killer);
    if (typeof cluster !== 'string') await ensureClusterUp(cluster);
    await dep.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
