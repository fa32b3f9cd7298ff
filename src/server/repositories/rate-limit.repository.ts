// Attempt counters in the database, so a limit per student number holds across every API process
// and machine (the per-client limit of @fastify/rate-limit is per process).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rows } from '../../db/client.js';

/** The attempts logged under one key since a moment: how many, the first and the last (epoch ms). */
export interface AttemptLog {
  count: number;
  first: number | null;
  last: number | null;
}

/** Keys share a table; a sweep removes only rows of its own kind (the text before the first ':'),
 *  so a per-minute sweep never empties an hourly log. */
function kindOf(key: string): string {
  const i = key.indexOf(':');
  return i < 0 ? key : key.slice(0, i + 1);
}

/** `(k1, k2, …)` for an IN clause. */
function keyList(keys: string[]) {
  return sql`(${sql.join(
    keys.map((k) => sql`${k}`),
    sql`, `,
  )})`;
}

function likePrefix(kind: string): string {
  return `${kind.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function createRateLimitRepository(db: Db) {
  let calls = 0;

  async function sweep(kind: string, olderThan: Date): Promise<void> {
    await db.execute(sql`DELETE FROM rate_counters WHERE key LIKE ${likePrefix(kind)} AND window_start < ${olderThan}`);
  }

  return {
    /** Counts one attempt for `key` in the current window and returns the count so far. */
    async hit(key: string, windowMs: number): Promise<number> {
      const start = new Date(Math.floor(Date.now() / windowMs) * windowMs);
      const [r] = await rows<{ count: number }>(
        db,
        sql`INSERT INTO rate_counters (key, window_start, count) VALUES (${key}, ${start}, 1)
            ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
            RETURNING count`,
      );
      if (++calls % 500 === 0) await sweep(kindOf(key), new Date(Date.now() - 2 * windowMs));
      return r?.count ?? 1;
    },

    /**
     * Claims one attempt, logged under each of `keys` at `at` (a row per attempt, so the log is a
     * sliding window). `decide` sees each key's log since `since` and answers 0 to admit or the
     * milliseconds to wait (nothing is logged then). Claims on one `lockKey` run one at a time,
     * across processes too, so parallel requests cannot all slip through one free moment. An
     * admitted attempt stays logged, as a failure, until `forget` takes it back.
     */
    async claim(
      lockKey: string,
      keys: string[],
      since: Date,
      at: Date,
      decide: (logs: AttemptLog[]) => number,
    ): Promise<number> {
      const waitMs = await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`);
        await tx.execute(sql`DELETE FROM rate_counters WHERE key IN ${keyList(keys)} AND window_start <= ${since}`);
        const found = await rows<{ key: string; count: number; first: number; last: number }>(
          tx,
          sql`SELECT key, sum(count)::int AS count,
                     (extract(epoch FROM min(window_start)) * 1000)::float8 AS first,
                     (extract(epoch FROM max(window_start)) * 1000)::float8 AS last
              FROM rate_counters
              WHERE key IN ${keyList(keys)} AND window_start > ${since}
              GROUP BY key`,
        );
        const logs = keys.map((k): AttemptLog => {
          const f = found.find((r) => r.key === k);
          return f
            ? { count: f.count, first: Number(f.first), last: Number(f.last) }
            : { count: 0, first: null, last: null };
        });
        const wait = decide(logs);
        if (wait > 0) return wait;
        for (const key of keys) {
          await tx.execute(
            sql`INSERT INTO rate_counters (key, window_start, count) VALUES (${key}, ${at}, 1)
                ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1`,
          );
        }
        return 0;
      });
      // Logs of keys never claimed again (a student who gave up) would otherwise stay forever.
      if (++calls % 500 === 0) for (const key of keys) await sweep(kindOf(key), since);
      return waitMs;
    },

    /** Takes back an attempt `claim` logged at `at` (it succeeded: it was no failure). */
    async forget(keys: string[], at: Date): Promise<void> {
      const list = keyList(keys);
      await db.execute(sql`UPDATE rate_counters SET count = count - 1 WHERE key IN ${list} AND window_start = ${at}`);
      await db.execute(sql`DELETE FROM rate_counters WHERE key IN ${list} AND window_start = ${at} AND count <= 0`);
    },
  };
}
export type RateLimitRepository = ReturnType<typeof createRateLimitRepository>;
