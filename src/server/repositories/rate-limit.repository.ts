// Attempt counters in the database, so a limit per student number holds across every API process
// and machine (the per-client limit of @fastify/rate-limit is per process).
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rows } from '../../db/client.js';

export function createRateLimitRepository(db: Db) {
  let calls = 0;
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
      if (++calls % 500 === 0) {
        await db.execute(sql`DELETE FROM rate_counters WHERE window_start < ${new Date(Date.now() - 2 * windowMs)}`);
      }
      return r?.count ?? 1;
    },
  };
}
export type RateLimitRepository = ReturnType<typeof createRateLimitRepository>;
