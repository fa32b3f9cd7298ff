// The HTTP server: external plugins first (cookies, multipart, rate limits, OpenAPI), then the
// auth hooks, then the thin route modules, then the static web apps with their SPA fallbacks.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { ERRORS, KaozhaoError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { stackFrames } from './log.js';
import { registerMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.routes.js';
import { adminManageRoutes } from './routes/admin-manage.routes.js';
import { entryAdminRoutes, entryRoutes } from './routes/entry.routes.js';
import { examRoutes } from './routes/exam.routes.js';
import { reminderRoutes } from './routes/reminder.routes.js';
import { studentRoutes } from './routes/student.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { registerSecurity } from './security.js';

/** Vite names built assets by content hash: they never change, so phones on 4G can keep them.
 *  index.html keeps the default (revalidate) so a new release is picked up. */
function cacheHashedAssets(reply: FastifyReply, file: string): void {
  if (/[\\/]assets[\\/]/.test(file)) reply.header('cache-control', 'public, max-age=31536000, immutable');
}

export interface AppOptions {
  /** Where logs go (tests capture them); default stdout. */
  logStream?: Writable;
  logLevel?: string;
  /** Folder holding web/student/dist and web/admin/dist; default the repository root. */
  webRoot?: string;
}

/**
 * Driver codes of a database connection that failed or was cut: refused, reset, timed out, the
 * server shutting down or starting (57P01–57P03), SQLSTATE class 08 (connection exception).
 */
const DB_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
/** The same failures where pg and pg-pool raise a plain Error without a code (exact messages). */
const DB_CONNECTION_MESSAGES = new Map([
  ['Connection terminated unexpectedly', 'connection_terminated'],
  ['Connection terminated due to connection timeout', 'connect_timeout'],
  ['timeout exceeded when trying to connect', 'pool_timeout'],
  ['Client has encountered a connection error and is not queryable', 'connection_broken'],
]);
const RETRY_AFTER_DATABASE_SECONDS = 5;

/**
 * Which connection failure `err` is, if it is one: a fixed token (a driver code or a name from
 * DB_CONNECTION_MESSAGES), never the message, which can quote SQL and values. Drizzle wraps the
 * driver's error as `cause`, and a connect to several addresses throws an AggregateError.
 */
export function databaseConnectionFailure(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0 && seen.size < 16) {
    const e = stack.pop();
    if (!(e instanceof Error) || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_CONNECTION_CODES.has(code)) return code;
    const named = DB_CONNECTION_MESSAGES.get(e.message);
    if (named) return named;
    if (e.cause !== undefined) stack.push(e.cause);
    if (e instanceof AggregateError) stack.push(...e.errors);
  }
  return undefined;
}

/** Maps framework errors to our codes; anything unknown becomes a 5xx with no detail. */
function toKaozhaoError(err: FastifyError): KaozhaoError {
  if (err instanceof KaozhaoError) return err;
  if (databaseConnectionFailure(err)) {
    const k = KaozhaoError.of('database.unavailable');
    k.retryAfterSeconds = RETRY_AFTER_DATABASE_SECONDS;
    return k;
  }
  if (err.validation) {
    const e = ERRORS['request.invalid'];
    // Validation messages name the field and rule, never the submitted value.
    return new KaozhaoError('request.invalid', 400, e.zh, `${e.en}: ${err.message}`);
  }
  switch (err.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return KaozhaoError.of('image.file_too_large');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KaozhaoError.of('request.too_large');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_NO_FORM_DATA':
      return KaozhaoError.of('request.no_file');
  }
  const status = err.statusCode ?? 500;
  if (status === 429) return KaozhaoError.of('rate_limited');
  if (status === 404) return KaozhaoError.of('request.not_found');
  if (status >= 400 && status < 500) {
    const e = ERRORS['request.invalid'];
    return new KaozhaoError('request.invalid', status, e.zh, e.en);
  }
  return KaozhaoError.of('internal');
}

/** A NUL, or half of a surrogate pair: valid in a JS string and in JSON's \\u escapes, but not text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this refuses.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether any string (value or key) in a parsed body, query or params holds a character that
 * PostgreSQL cannot store: text refuses NUL, and jsonb (the audit log's detail) refuses an unpaired
 * surrogate. Such input reached the database and failed there as a 500 (a unit named "a\u0000b",
 * an admin login with one in the username). Iterative: a 1 MB body may nest ~500,000 deep.
 */
export function hasUnstorableText(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return true;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) return true;
        stack.push(x);
      }
    }
  }
  return false;
}

export async function buildApp(ctx: AppContext, opts: AppOptions = {}): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] = {
    level: opts.logLevel ?? ctx.config.logLevel,
    ...(opts.logStream ? { stream: opts.logStream } : {}),
    // Bodies are never logged; these paths cover headers and anything a plugin might attach.
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.idNumber',
        '*.password',
        '*.name',
        'body',
        'err.detail',
        'err.where',
        'err.parameters',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Fastify's own fields, with the student number of an erasure left out: that line would
      // otherwise keep, for the logs' lifetime, who was erased.
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: req.url.replace(/^(\/api\/admin\/students\/)[^/?]+(\/erase)/, '$1[erased]$2'),
        host: req.host,
        remoteAddress: req.ip,
      }),
    },
  };
  const app = Fastify({
    logger,
    // X-Forwarded-For only from the configured proxies: believed from anyone, it picks the address
    // that every limit is keyed on and that the log and the consent record keep.
    trustProxy: ctx.config.trustProxy.length > 0 ? ctx.config.trustProxy : false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });

  await app.register(fastifyCookie);
  // Headers, no-store on the API and the same-origin rule for writes, before any route runs.
  await registerSecurity(app);
  await app.register(fastifyMultipart, { limits: { fileSize: ctx.config.uploadLimitBytes, files: 1, fields: 10 } });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: () => KaozhaoError.of('rate_limited'),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: '考照 Kaozhao collection service',
        description: 'Student photo collection and the admin console API. Errors: {code, message, messageEn}.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          student: { type: 'apiKey', in: 'cookie', name: 'kz_sid' },
          admin: { type: 'apiKey', in: 'cookie', name: 'kz_admin' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const k = toKaozhaoError(err);
    if (k.code === 'database.unavailable') {
      // Expected while the database restarts, and one line per request then: the code and which
      // failure only (a fixed token), no stack or message (they can quote SQL and row values).
      req.log.warn({ code: k.code, status: k.status, cause: databaseConnectionFailure(err) }, 'database unavailable');
    } else if (k.status >= 500) {
      // Only the error's class and stack: driver messages can quote row values.
      req.log.error({ err: { type: err.name, code: err.code, frames: stackFrames(err) } }, 'request failed');
    } else {
      req.log.info({ code: k.code, status: k.status }, 'request refused');
    }
    if (k.code === 'session.expired' || k.code === 'auth.required') {
      void reply.clearCookie(req.url.startsWith('/api/admin') ? 'kz_admin' : 'kz_sid', { path: '/' });
    }
    if (k.retryAfterSeconds) void reply.header('retry-after', String(k.retryAfterSeconds));
    return reply.status(k.status).send(k.toJSON());
  });

  // Every route's input, once, before its schema runs: no route has a use for these characters, and
  // the answer names neither the field nor the value (it could be anything the client typed).
  app.addHook('preValidation', async (req) => {
    if (hasUnstorableText(req.body) || hasUnstorableText(req.query) || hasUnstorableText(req.params)) {
      const e = ERRORS['request.invalid'];
      throw new KaozhaoError(
        'request.invalid',
        400,
        e.zh,
        `${e.en}: text holds a NUL character or an unpaired surrogate`,
      );
    }
  });

  // Before the routes: the onResponse hook sees every one of them.
  registerMetrics(app, ctx.metrics, ctx.config.metricsToken);
  await app.register(systemRoutes(ctx));
  await app.register(studentRoutes(ctx), { prefix: '/api' });
  await app.register(adminRoutes(ctx), { prefix: '/api/admin' });
  await app.register(adminManageRoutes(ctx), { prefix: '/api/admin' });
  await app.register(examRoutes(ctx), { prefix: '/api/admin' });
  await app.register(entryRoutes(ctx), { prefix: '/api' });
  await app.register(entryAdminRoutes(ctx), { prefix: '/api/admin' });
  await app.register(reminderRoutes(ctx), { prefix: '/api/admin' });

  const webRoot = opts.webRoot ?? process.cwd();
  const studentDist = path.join(webRoot, 'web/student/dist');
  const adminDist = path.join(webRoot, 'web/admin/dist');
  if (existsSync(adminDist)) {
    await app.register(fastifyStatic, {
      root: adminDist,
      prefix: '/admin/',
      decorateReply: !existsSync(studentDist),
      setHeaders: cacheHashedAssets,
      // build-web.mjs writes .br/.gz beside each file; sent when the client accepts them.
      preCompressed: true,
    });
  }
  if (existsSync(studentDist)) {
    await app.register(fastifyStatic, {
      root: studentDist,
      prefix: '/',
      wildcard: false,
      setHeaders: cacheHashedAssets,
      // build-web.mjs writes .br/.gz beside each file; sent when the client accepts them.
      preCompressed: true,
    });
  }
  // The SPA fallback sends the app's index.html itself: through reply.sendFile it went round
  // @fastify/static's lookup again after the static route's own miss, and every async step of
  // both awaited the reply, so one page load held 11 'close' listeners on the response
  // (MaxListenersExceededWarning). The file is a few hundred bytes, read per request so a rebuilt
  // app is served without a restart.
  const indexPage = (dist: string, reply: FastifyReply) =>
    readFile(path.join(dist, 'index.html')).then((html) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html),
    );
  app.setNotFoundHandler(async (req, reply) => {
    const wantsPage = req.method === 'GET' && !req.url.startsWith('/api') && !req.url.startsWith('/docs');
    if (wantsPage && req.url.startsWith('/admin') && existsSync(adminDist)) return indexPage(adminDist, reply);
    if (wantsPage && existsSync(studentDist)) return indexPage(studentDist, reply);
    return reply.status(404).send(KaozhaoError.of('request.not_found').toJSON());
  });

  return app;
}
