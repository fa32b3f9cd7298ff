// Cluster-wide "only one at a time" for scheduled work that every worker process runs on a timer.
import type { Database } from '../../db/client.js';

/**
 * Advisory lock id of the orphaned-photo sweep (src/jobs/photo-queue.ts). Taken: 7_453_210
 * migrations, 7_453_211 the face index, 7_453_212 the retention sweep (retention.service.ts).
 */
export const PHOTO_SWEEP_LOCK = 7_453_213;

/**
 * Runs `fn` while this process holds the PostgreSQL session advisory lock `key`; when another
 * process holds it, returns `{ acquired: false }` at once instead of waiting (that process is doing
 * the work). The lock lives on one pooled connection for the duration and is released with it if
 * the process dies. PGlite: one process opens the database (embedded-lock.ts), so `fn` just runs.
 */
export async function withTryLock<T>(
  database: Database,
  key: number,
  fn: () => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  if (!database.pool) return { acquired: true, value: await fn() };
  const client = await database.pool.connect();
  let broken: Error | undefined;
  try {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
    if (!r.rows[0]?.ok) return { acquired: false };
    try {
      return { acquired: true, value: await fn() };
    } finally {
      // A connection that could not unlock is closed rather than pooled: closing releases the lock.
      await client.query('SELECT pg_advisory_unlock($1)', [key]).catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error('unlock failed');
      });
    }
  } finally {
    client.release(broken);
  }
}
