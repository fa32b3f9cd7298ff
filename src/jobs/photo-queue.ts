// The photo job catalogue and its two queues. One job kind: make the photo of an uploaded attempt,
// keyed by the photo id, so enqueuing twice or retrying a job never makes two results.
import PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { Metrics } from '../server/metrics.js';
import { PHOTO_SWEEP_LOCK, withTryLock } from '../server/repositories/lock.repository.js';
import type { PhotoRepository } from '../server/repositories/photo.repository.js';
import type { StorageRepository } from '../server/repositories/storage.repository.js';

export const PHOTO_JOB = 'photo.make';
const RETRY_DELAY_MS = 1000;

export interface PhotoJob {
  photoId: string;
}

export type PhotoJobHandler = (job: PhotoJob) => Promise<void>;

export interface PhotoJobQueue {
  readonly kind: 'in-process' | 'pg-boss';
  enqueue(job: PhotoJob): Promise<void>;
  /** Starts consuming jobs in this process. */
  work(handler: PhotoJobHandler, concurrency: number): Promise<void>;
  /** Resolves when every job enqueued in this process so far has finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Of these photos, those the queue holds a job for: 'live' while it waits, runs or is to be
   * retried, and for `graceSeconds` after it ended (a worker past its expiry may still be finishing
   * the photo); 'ended' after that (failed, cancelled). Photos without a job are left out.
   */
  jobStates(photoIds: string[], graceSeconds: number): Promise<Map<string, 'live' | 'ended'>>;
}

/** The embedded default: jobs run in this process, bounded by the photo pool's size. */
export function createInProcessQueue(): PhotoJobQueue {
  let handler: PhotoJobHandler | undefined;
  let limit = 1;
  let running = 0;
  const waiting: PhotoJob[] = [];
  const pending = new Set<string>();
  const inflight = new Set<Promise<void>>();
  let stopped = false;

  const pump = () => {
    while (handler && !stopped && running < limit && waiting.length > 0) {
      const job = waiting.shift()!;
      running++;
      const h = handler;
      const p = (async () => {
        try {
          await h(job);
          pending.delete(job.photoId);
        } catch {
          // The handler counts attempts on the photo and stops throwing when they run out.
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
          if (!stopped) waiting.push(job);
          else pending.delete(job.photoId);
        } finally {
          running--;
        }
      })();
      inflight.add(p);
      void p.then(() => {
        inflight.delete(p);
        pump();
      });
    }
  };

  return {
    kind: 'in-process',
    async enqueue(job) {
      if (pending.has(job.photoId)) return;
      pending.add(job.photoId);
      waiting.push(job);
      pump();
    },
    async work(h, concurrency) {
      handler = h;
      limit = Math.max(1, concurrency);
      pump();
    },
    async idle() {
      while (inflight.size > 0 || (handler && waiting.length > 0)) await Promise.all([...inflight]);
    },
    async stop() {
      stopped = true;
      await Promise.all([...inflight]);
    },
    // A job stays pending from its enqueue until it has run to the end (retries included).
    async jobStates(photoIds) {
      return new Map(photoIds.filter((id) => pending.has(id)).map((id) => [id, 'live' as const]));
    },
  };
}

export interface PgBossQueueOptions {
  connectionString: string;
  /** Seconds before an unfinished job (e.g. its worker was killed) is retried. */
  expireInSeconds?: number;
  retryLimit?: number;
  /** Maintenance sweep interval: how soon expired jobs are noticed. */
  maintenanceIntervalSeconds?: number;
  pollingIntervalSeconds?: number;
}

/**
 * Durable queue on PostgreSQL: API processes enqueue, worker processes on any machine fetch with
 * SKIP LOCKED. A killed worker's job expires and is retried; the job id is the photo id, so a
 * second enqueue of the same photo is ignored.
 */
export async function createPgBossQueue(opts: PgBossQueueOptions): Promise<PhotoJobQueue> {
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    schema: 'pgboss',
    max: 4,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 60,
    // Completed job rows carry no personal data, but are pruned anyway.
    deleteAfterDays: 7,
  });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(PHOTO_JOB, {
    name: PHOTO_JOB,
    policy: 'standard',
    retryLimit: opts.retryLimit ?? 3,
    retryDelay: 2,
    expireInSeconds: opts.expireInSeconds ?? 300,
  });
  const inflight = new Set<Promise<unknown>>();
  return {
    kind: 'pg-boss',
    async enqueue(job) {
      await boss.send(PHOTO_JOB, job, {
        id: job.photoId,
        retryLimit: opts.retryLimit ?? 3,
        retryDelay: 2,
        expireInSeconds: opts.expireInSeconds ?? 300,
      });
    },
    async work(handler, concurrency) {
      for (let i = 0; i < Math.max(1, concurrency); i++) {
        await boss.work<PhotoJob>(
          PHOTO_JOB,
          { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 0.5 },
          async (jobs) => {
            for (const j of jobs) {
              const p = handler(j.data);
              inflight.add(p);
              try {
                await p;
              } finally {
                inflight.delete(p);
              }
            }
          },
        );
      }
    },
    async idle() {
      await Promise.allSettled([...inflight]);
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    },
    async jobStates(photoIds, graceSeconds) {
      if (photoIds.length === 0) return new Map();
      // pg-boss's own table: a job's row stays there, in its end state, until it is archived.
      const { rows } = await boss.getDb().executeSql(
        `SELECT id::text AS id,
                CASE WHEN state IN ('created', 'retry', 'active')
                       OR completed_on > now() - $3::int * interval '1 second' THEN 'live' ELSE 'ended' END AS state
           FROM pgboss.job WHERE name = $1 AND id = ANY($2::uuid[])`,
        [PHOTO_JOB, photoIds, graceSeconds],
      );
      return new Map((rows as { id: string; state: 'live' | 'ended' }[]).map((r) => [r.id, r.state]));
    },
  };
}

/** How long a photo or its ended job is left alone before the sweep looks at it. */
export const ORPHAN_GRACE_SECONDS = 120;

export interface OrphanSweepDeps {
  database: Database;
  queue: PhotoJobQueue;
  photos: Pick<PhotoRepository, 'processingOlderThan' | 'completeIfProcessing'>;
  storage: Pick<StorageRepository, 'delete'>;
  metrics?: Pick<Metrics, 'photoOutcome'>;
  graceSeconds?: number;
}

/**
 * Photos left `processing` with nothing to finish them: their job ended without making them (the
 * durable queue gave up after KAOZHAO_JOB_RETRY_LIMIT expiries, e.g. workers killed mid-photo), or
 * they never got one (the database went away between the upload's commit and its enqueue, or the
 * source could not be stored). Such a student could not upload again (photo.processing). Only
 * photos older than the grace period are looked at, so an upload between its commit and its
 * enqueue is not one. A photo without a job that no job ever started (`attempts` 0) is enqueued
 * again (keyed by its id: a second enqueue is ignored); any other is marked failed
 * (`engine.crashed`: the student is asked to upload again) and its source deleted, as
 * photo.service does when its own tries run out. completeIfProcessing moves only a photo still
 * processing, so a job that completes meanwhile wins. One process at a time (advisory lock);
 * undefined when another holds it.
 */
export async function sweepOrphanedPhotos(
  deps: OrphanSweepDeps,
): Promise<{ requeued: number; failed: number } | undefined> {
  const grace = deps.graceSeconds ?? ORPHAN_GRACE_SECONDS;
  const r = await withTryLock(deps.database, PHOTO_SWEEP_LOCK, async () => {
    let requeued = 0;
    let failed = 0;
    // Photos first, then their jobs: a job that ends in between is seen ended, and its photo,
    // already made, is not moved by completeIfProcessing.
    const stuck = await deps.photos.processingOlderThan(grace, 500);
    const jobs = await deps.queue.jobStates(
      stuck.map((p) => p.id),
      grace,
    );
    for (const p of stuck) {
      const job = jobs.get(p.id);
      if (job === 'live') continue;
      if (job === undefined && p.attempts === 0) {
        await deps.queue.enqueue({ photoId: p.id });
        requeued++;
        continue;
      }
      const done = await deps.photos.completeIfProcessing(p.id, {
        status: 'failed',
        errorCode: 'engine.crashed',
        progress: 1,
        processedAt: new Date(),
      });
      if (done) {
        deps.metrics?.photoOutcome('error', 'engine.crashed');
        await deps.storage.delete(`${p.id}/source`);
        failed++;
      }
    }
    return { requeued, failed };
  });
  return r.acquired ? r.value : undefined;
}

/**
 * Runs the sweep at start (a worker restarted more often than the interval still sweeps) and every
 * `intervalSeconds`, one round at a time, in each process that makes photos. Logs counts only.
 */
export function startOrphanedPhotoSweep(deps: OrphanSweepDeps & { intervalSeconds?: number }): {
  stop(): Promise<void>;
} {
  let round: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (round || stopped) return;
    round = sweepOrphanedPhotos(deps)
      .then(
        (r) => {
          if (r && r.requeued + r.failed > 0)
            console.log(`orphaned photo sweep: ${r.requeued} photos queued again, ${r.failed} marked failed`);
        },
        // The error's class only: a driver message can quote row values.
        (e: unknown) => console.error('orphaned photo sweep failed:', e instanceof Error ? e.name : typeof e),
      )
      .finally(() => {
        round = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, (deps.intervalSeconds ?? 60) * 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}
