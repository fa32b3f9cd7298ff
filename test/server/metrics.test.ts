// The Prometheus endpoint: absent unless a token is configured, then only with that bearer token;
// requests counted by route pattern (never a URL with a student number in it), latency histograms,
// the photo queue depth, photo outcomes, worker restarts and the process's own metrics.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { rows } from '../../src/db/client.js';
import { BACKENDS, startServer, type TestServer } from './harness.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line, e.g. `name{a="b"} 3`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe.each(BACKENDS)('/metrics on $name', (backend) => {
  let off: TestServer;
  let s: TestServer;
  beforeAll(async () => {
    [off, s] = await Promise.all([
      startServer(backend, { processJobs: false, students: 20 }),
      startServer(backend, { processJobs: false, students: 20, config: { metricsToken: TOKEN } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([off?.close(), s?.close()]);
  });

  const scrape = async (auth?: string) =>
    s.app.inject({ method: 'GET', url: '/metrics', headers: auth ? { authorization: auth } : {} });

  it('is off without KAOZHAO_METRICS_TOKEN: 404 whoever asks', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }]) {
      const r = await off.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(r.statusCode).toBe(404);
      expect(r.body).not.toContain('kaozhao_');
    }
  });

  it('answers only the configured bearer token', async () => {
    for (const auth of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`]) {
      const r = await scrape(auth);
      expect(r.statusCode, auth).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(r.body).not.toContain('kaozhao_');
    }
    const ok = await scrape(`Bearer ${TOKEN}`);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toContain('kaozhao_process_cpu_user_seconds_total');
  });

  it('counts requests by route pattern and status, with latency, and no personal data', async () => {
    const st = s.demo.students[3]!;
    for (let i = 0; i < 3; i++) await s.app.inject({ method: 'GET', url: '/healthz' });
    // A student number in the path, and in an unknown path: neither may become a label.
    await s.app.inject({
      method: 'POST',
      url: `/api/admin/students/${st.studentNumber}/move`,
      payload: { centreCode: 'C1' },
    });
    await s.app.inject({ method: 'GET', url: `/api/nothing/${st.studentNumber}` });
    await s.app.inject({
      method: 'POST',
      url: '/api/student/verify',
      payload: { studentNumber: st.studentNumber, idNumber: st.idNumber },
    });
    const text = (await scrape(`Bearer ${TOKEN}`)).body;
    expect(
      sample(text, 'kaozhao_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(text, 'kaozhao_http_requests_total', {
        method: 'POST',
        route: '/api/admin/students/:studentNumber/move',
        status: '401',
      }),
    ).toBe(1);
    expect(
      sample(text, 'kaozhao_http_requests_total', { method: 'POST', route: '/api/student/verify', status: '200' }),
    ).toBe(1);
    expect(
      sample(text, 'kaozhao_http_request_duration_seconds_count', { method: 'GET', route: '/healthz' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sample(text, 'kaozhao_http_request_duration_seconds_bucket', { method: 'GET', route: '/healthz', le: '+Inf' }),
    ).toBeGreaterThanOrEqual(3);
    for (const secret of [st.studentNumber, st.idNumber, st.name]) expect(text).not.toContain(secret);
  });

  it('reports the photo queue depth and the outcome of each photo job once', async () => {
    const depth = async () => sample((await scrape(`Bearer ${TOKEN}`)).body, 'kaozhao_photo_queue_depth');
    expect(await depth()).toBe(0);
    const [student] = await rows<{ id: number }>(s.database.db, sql`SELECT id::int AS id FROM students LIMIT 1`);
    const [photo] = await rows<{ id: string }>(
      s.database.db,
      sql`INSERT INTO photos (student_id, campaign_id, status, spec_id)
          VALUES (${student!.id}, ${s.demo.campaignId}, 'processing', 'chsi') RETURNING id`,
    );
    expect(await depth()).toBe(1);
    // Its source file is missing: the job ends it as failed (engine.crashed), once however often it runs.
    await s.ctx.services.photo.process(photo!.id);
    await s.ctx.services.photo.process(photo!.id);
    const text = (await scrape(`Bearer ${TOKEN}`)).body;
    expect(sample(text, 'kaozhao_photo_queue_depth')).toBe(0);
    expect(sample(text, 'kaozhao_photo_outcomes_total', { outcome: 'error', code: 'engine.crashed' })).toBe(1);
    // No engine started in this process: no threads, none replaced.
    expect(sample(text, 'kaozhao_photo_worker_restarts_total')).toBe(0);
    expect(sample(text, 'kaozhao_photo_workers', { state: 'busy' })).toBe(0);
  });

  it('refuses a short token at start', () => {
    const before = process.env.KAOZHAO_METRICS_TOKEN;
    process.env.KAOZHAO_METRICS_TOKEN = 'short';
    try {
      expect(() => loadConfig({ secret: 'x'.repeat(32) })).toThrow(/at least 24/);
    } finally {
      if (before === undefined) delete process.env.KAOZHAO_METRICS_TOKEN;
      else process.env.KAOZHAO_METRICS_TOKEN = before;
    }
  });
});
