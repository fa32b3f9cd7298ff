// The photo job catalogue and its two queues. One job kind: make the photo of an uploaded attempt,
// keyed by the photo id, so enqueuing twice or retrying a job never makes two results.
import PgBoss from 'pg-boss';

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
  };
}
