// The database server going away under a running server (a restart, a crash, a network cut): every
// request that needs it answers at once 503 database.unavailable with Retry-After, a Chinese
// message and nothing else (no SQL, no stack, nothing of a student), and the server serves again
// as soon as the database is back. The cut is a TCP proxy between the server and PostgreSQL that
// this test closes and reopens; the PostgreSQL server itself keeps running.
import net, { type AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConnectionFailure } from '../../src/server/app.js';
import { adminLogin, refused, startServer, studentLogin, type TestServer } from './harness.js';

const url = process.env.TEST_DATABASE_URL;

/** A TCP forwarder to `target` on a fixed local port: cut() drops every connection and refuses new ones. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        port = (srv.address() as AddressInfo).port;
        server = srv;
        resolve();
      });
    });
  await open();
  return {
    port: () => port,
    open,
    async cut() {
      const srv = server;
      server = undefined;
      if (!srv) return;
      const closed = new Promise<void>((r) => srv.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

describe.skipIf(!url)('PostgreSQL unavailable: quick 503s, then recovery', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let s: TestServer;
  beforeAll(async () => {
    const direct = new URL(url!);
    proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const through = new URL(url!);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port());
    // Every connection of the server (its pool, and the test database's creation and drop) goes
    // through the proxy.
    s = await startServer({ name: 'postgres', url: through.toString() }, { processJobs: false, students: 20 });
  });
  afterAll(async () => {
    await proxy?.open().catch(() => {});
    await s?.close();
    await proxy?.cut();
  });

  function unavailable(r: LightMyRequestResponse): void {
    refused(r, 503, 'database.unavailable');
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The whole answer: the code and the two messages, nothing of the driver's error.
    expect(Object.keys(r.json()).sort()).toEqual(['code', 'message', 'messageEn']);
  }

  it('answers 503 database.unavailable with Retry-After while the database is cut, and 200 once it is back', async () => {
    const student = s.demo.students[0]!;
    const cookie = await studentLogin(s, 0);
    const admin = await adminLogin(s, 'hq');
    const calls = () => [
      s.app.inject({ method: 'GET', url: '/api/student/me', headers: { cookie } }),
      s.app.inject({
        method: 'POST',
        url: '/api/student/identify',
        payload: { studentNumber: student.studentNumber },
      }),
      s.app.inject({ method: 'GET', url: '/api/admin/me', headers: { cookie: admin } }),
      s.app.inject({ method: 'GET', url: '/api/admin/progress', headers: { cookie: admin } }),
    ];
    for (const r of await Promise.all(calls())) expect(r.statusCode, r.body).toBe(200);

    await proxy.cut();
    const logsBefore = s.logs().length;
    // Twice: the pool's idle connections (cut under it) first, then new connections refused.
    for (let round = 0; round < 2; round++) for (const r of await Promise.all(calls())) unavailable(r);

    const lines = s
      .logs()
      .slice(logsBefore)
      .split('\n')
      .filter((l) => l.includes('database.unavailable'));
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) {
      const entry = JSON.parse(l);
      expect(entry.level).toBe(40);
      expect(entry.msg).toBe('database unavailable');
    }
    // No 500 line, no stack, no query and nothing of the student in what was logged meanwhile.
    const logged = s.logs().slice(logsBefore);
    expect(logged).not.toContain('request failed');
    expect(logged).not.toMatch(/frames|Failed query|select |students/i);
    expect(logged).not.toContain(student.studentNumber);

    // Back: the pool opens new connections, the same sessions work (nothing was lost).
    await proxy.open();
    for (const r of await Promise.all(calls())) expect(r.statusCode, r.body).toBe(200);
  });
});

// What a PostgreSQL restart does to a query in flight: the server ends each backend with 57P01
// (admin_shutdown), here one backend ended the same way by pg_terminate_backend. Through drizzle,
// as every repository runs it, the driver's error arrives wrapped (DrizzleQueryError.cause).
describe.skipIf(!url)('database errors that mean "unavailable", and those that do not', () => {
  it('recognises 57P01 on a query in flight, and not an error of the query itself', async () => {
    const victim = new pg.Client({ connectionString: url });
    const admin = new pg.Client({ connectionString: url });
    await victim.connect();
    await admin.connect();
    victim.on('error', () => {});
    try {
      const db = drizzle(victim);
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const inFlight = db.execute(sql`SELECT pg_sleep(30)`).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Terminated once it is running the sleep (its backend waits on PgSleep).
      for (;;) {
        const r = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'`, [pid]);
        if (r.rowCount) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const err = await inFlight;
      expect(err).toBeInstanceOf(Error);
      expect(databaseConnectionFailure(err)).toBe('57P01');

      const broken = await drizzle(admin)
        .execute(sql`SELECT * FROM no_such_table_here`)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((broken as { cause?: { code?: string } }).cause?.code).toBe('42P01');
      expect(databaseConnectionFailure(broken)).toBeUndefined();
    } finally {
      await victim.end().catch(() => {});
      await admin.end();
    }
  });
});
