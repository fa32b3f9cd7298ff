import { sql } from 'drizzle-orm';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

export function systemRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
      try {
        await ctx.db.execute(sql`SELECT 1`);
        return { ok: true, database: ctx.database.kind, queue: ctx.queue.kind };
      } catch {
        return reply.status(503).send({ ok: false, code: 'database.unavailable' });
      }
    });
  };
}
