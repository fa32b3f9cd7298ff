// Walks the OpenAPI description and sends out-of-range values to every path and query parameter
// and to every integer in a JSON body, as an HQ admin (admin routes) or a signed-in student
// (student routes). Bad client input must answer a 4xx with an error code, never a 5xx: an id
// above int4 or a 36-character non-UUID used to reach PostgreSQL and fail there. New routes are
// walked without anyone listing them here.
import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonSchema, Operation } from '../../scripts/fuzz/cases.js';
import { adminLogin, BACKENDS, startServer, studentLogin, type TestServer } from './harness.js';

/** Sent to every path and query parameter, whatever its type. */
const BAD_PARAMS = [
  '2147483648',
  '9223372036854775808',
  '99999999999999999999999',
  '1e30',
  '-1',
  '0',
  '1.5',
  'abc',
  'NaN',
  '0x10',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  'x'.repeat(36),
  '00000000-0000-0000-0000-00000000000g',
  'x'.repeat(5000),
  "1' OR '1'='1",
  '%00',
  '../../etc/passwd',
];
/** Sent to every integer in a JSON body. None of them coerces to a valid id (true would: to 1). */
const BAD_INTEGERS: unknown[] = [2147483648, 9007199254740992, 1e30, -1, 0, 1.5, -2147483649, 'abc', '2147483648'];

/** Bodies the schema alone cannot describe: a campaign must pass the service's rules to reach the id lookup. */
const CAMPAIGN = {
  name: '走查活动',
  semester: '2031-1',
  startsAt: '2031-03-01T00:00:00.000Z',
  endsAt: '2031-04-30T00:00:00.000Z',
  specId: 'chsi',
  exemptionSemesters: 2,
  support: [],
};
const BODIES: Record<string, Record<string, unknown>> = {
  'POST /api/admin/campaigns': CAMPAIGN,
  'PUT /api/admin/campaigns/{id}': CAMPAIGN,
};

/** A value that passes the schema, for the properties and parameters not under test. */
function sample(schema: JsonSchema): unknown {
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = schema.properties ?? {};
      const names = [...(schema.required ?? [])];
      for (const n of Object.keys(props)) if (names.length < (schema.minProperties ?? 0)) names.push(n);
      for (const n of names) out[n] = sample(props[n] ?? {});
      return out;
    }
    default:
      if (schema.format === 'date-time') return '2031-01-01T00:00:00.000Z';
      if (schema.format === 'uuid' || schema.minLength === 36) return randomUUID();
      return 'walk'.padEnd(Math.max(schema.minLength ?? 0, 8), 'k');
  }
}

const isInteger = (s: JsonSchema) => s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer'));

describe.each(BACKENDS)('every parameter of the OpenAPI description on $name', (backend) => {
  let s: TestServer;
  let hq: string;
  let student: string;
  beforeAll(async () => {
    s = await startServer(backend, { processJobs: false, students: 20, adminPassword: 'kaozhao-demo' });
    hq = await adminLogin(s, 'hq');
    student = await studentLogin(s, 0);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers out-of-range and malformed values with a 4xx and an error code, never a 5xx', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const failures: string[] = [];
    const walked = new Set<string>();
    let requests = 0;

    for (const [route, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const key = `${method.toUpperCase()} ${route}`;
        // Signing out would end the session the rest of the walk uses; it takes no input anyway.
        if (route.endsWith('/logout')) continue;
        const cookie = route.startsWith('/api/admin') ? hq : route.startsWith('/api/student') ? student : undefined;
        const params = (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
        const json = op.requestBody?.content['application/json']?.schema;
        const body = json ? (BODIES[key] ?? (sample(json) as Record<string, unknown>)) : undefined;
        const multipartOnly = op.requestBody && !json;

        const send = async (values: Record<string, unknown>, payload: unknown, what: string) => {
          let url = route;
          const query = new URLSearchParams();
          for (const p of params) {
            const v = String(values[p.name] ?? (p.in === 'path' ? sample(p.schema) : ''));
            if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
            else if (p.name in values) query.set(p.name, v);
          }
          const q = query.toString();
          const opts: InjectOptions = {
            method: method.toUpperCase() as InjectOptions['method'],
            url: q ? `${url}?${q}` : url,
            // As a browser on this site sends it: a same-origin Origin on every request.
            headers: { origin: 'http://localhost', ...(cookie ? { cookie } : {}) },
          };
          if (payload !== undefined) opts.payload = payload as InjectOptions['payload'];
          else if (multipartOnly) {
            opts.headers = { ...opts.headers, 'content-type': 'multipart/form-data; boundary=walk' };
            opts.payload = '--walk--\r\n';
          }
          const r = await s.app.inject(opts);
          requests++;
          walked.add(key);
          let code: unknown;
          try {
            code = r.json().code;
          } catch {
            code = undefined;
          }
          // Some of these values are valid for some parameters (0 as an offset, abc as an action):
          // those may succeed; what fails must fail as the client's error, with a code.
          if (r.statusCode >= 500 || (r.statusCode >= 400 && typeof code !== 'string')) {
            failures.push(`${key} ${what} → ${r.statusCode} ${String(code ?? r.body.slice(0, 80))}`);
          }
        };

        for (const p of params) {
          for (const v of BAD_PARAMS) {
            if (p.in === 'path' && v === '') continue;
            await send({ [p.name]: v }, body, `${p.in} ${p.name}=${v.slice(0, 40)}`);
          }
        }
        if (json && body) {
          for (const [name, prop] of Object.entries(json.properties ?? {})) {
            if (!isInteger(prop)) continue;
            for (const v of BAD_INTEGERS) await send({}, { ...body, [name]: v }, `body ${name}=${String(v)}`);
          }
        }
      }
    }

    expect(failures).toEqual([]);
    // The walk reached the routes the probe found answering 500, and many more.
    for (const key of [
      'GET /api/admin/progress',
      'GET /api/admin/units/{unitId}/uncollected',
      'GET /api/admin/audit',
      'GET /api/admin/reviews',
      'PUT /api/admin/campaigns/{id}',
      'PATCH /api/admin/admins/{id}',
      'PATCH /api/admin/units/{id}',
      'POST /api/admin/units',
      'POST /api/admin/admins',
      'GET /api/student/photos/{id}',
      'POST /api/student/photos/{id}/submit',
    ]) {
      expect(walked).toContain(key);
    }
    expect(requests).toBeGreaterThan(500);
  });
});
