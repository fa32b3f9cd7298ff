// Prometheus metrics of one process: HTTP requests by route pattern and status, their latency,
// the photo queue, photo outcomes and worker-thread replacements. Labels are route patterns
// (`/api/admin/students/:studentNumber/move`), never URLs, so no student number, name or ID number
// can reach a label; URLs that match no route share one label.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { KaozhaoError } from '../domain/errors.js';
import type { PoolStats } from '../photo/pool.js';

export type PhotoOutcome = 'pass' | 'warn' | 'fail' | 'error';

export interface Metrics {
  readonly registry: Registry;
  /** One HTTP request: `route` is the pattern matched, never the URL. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** A photo job finished: its verdict, or `error` when no photo could be made. */
  photoOutcome(outcome: PhotoOutcome, errorCode?: string): void;
}

export interface MetricSources {
  /** Photos uploaded and not yet made, all processes (the database's count). */
  queueDepth(): Promise<number>;
  /** This process's photo worker threads; undefined before the engine starts. */
  engine(): PoolStats | undefined;
}

// Node's own metrics (CPU, heap, event-loop delay, GC) exist once per process, however many apps
// (tests) it runs, and observe the process from its first registration on.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'kaozhao_' });
  }
  return processRegistry;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  const outcomes = new Counter({
    name: 'kaozhao_photo_outcomes_total',
    help: 'Photo jobs finished in this process, by verdict (pass, warn, fail) or error (no photo made)',
    labelNames: ['outcome', 'code'],
    registers: [registry],
  });
  new Gauge({
    name: 'kaozhao_photo_queue_depth',
    help: 'Uploaded photos not yet made (waiting or being made), all processes',
    registers: [registry],
    async collect() {
      this.set(await sources.queueDepth());
    },
  });
  new Gauge({
    name: 'kaozhao_photo_workers',
    help: 'Photo worker threads of this process by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const s = sources.engine();
      this.set({ state: 'configured' }, s?.size ?? 0);
      this.set({ state: 'ready' }, s?.ready ?? 0);
      this.set({ state: 'busy' }, s?.busy ?? 0);
    },
  });
  new Gauge({
    name: 'kaozhao_photo_engine_queued',
    help: 'Photos waiting in this process for a free worker thread',
    registers: [registry],
    collect() {
      this.set(sources.engine()?.queued ?? 0);
    },
  });
  const requests = new Counter({
    name: 'kaozhao_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'kaozhao_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern (until the response is sent)',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let restartsSeen = 0;
  new Counter({
    name: 'kaozhao_photo_worker_restarts_total',
    help: 'Photo worker threads replaced after a crash or a timeout in this process',
    registers: [registry],
    collect() {
      const n = sources.engine()?.replaced ?? 0;
      if (n > restartsSeen) this.inc(n - restartsSeen);
      restartsSeen = Math.max(restartsSeen, n);
    },
  });
  return {
    registry,
    request(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    photoOutcome(outcome, errorCode) {
      outcomes.inc({ outcome, code: outcome === 'error' ? (errorCode ?? 'unknown') : '' });
    },
  };
}

/** Counts this app's requests into `metrics` and serves /metrics (404 unless a token is configured). */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  app.addHook('onResponse', async (req, reply) => {
    // The pattern Fastify matched; the catch-all of the web apps and 404s are one label each.
    metrics.request(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  const want = token ? createHash('sha256').update(token).digest() : undefined;
  // Off (no token): 404 like any unknown API path, rather than the student app's page.
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!want) throw KaozhaoError.of('request.not_found');
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compared as digests: equal lengths for timingSafeEqual, and nothing learnt from the timing.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), want)) {
      void reply.header('www-authenticate', 'Bearer');
      throw KaozhaoError.of('auth.required');
    }
    const merged = Registry.merge([processMetrics(), metrics.registry]);
    return reply.type(merged.contentType).send(await merged.metrics());
  });
}
