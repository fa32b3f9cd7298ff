// Deployment defaults on the real server process (`tsx src/main.ts`) and the real CLI
// (`bin/kaozhao.mjs`): a production start gets no demo university and says how to create the first
// admin; `kaozhao admin create` makes one that signs in; a development start gets the demo with
// passwords generated for this install; the server listens on loopback unless HOST opens it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEMO_LOGINS_FILE, parseDemoLogins } from '../../src/seed/demo-logins.js';
import { ROOT, type Server, startServer } from '../support/server-process.js';

const OLD_DEMO_PASSWORD = 'kaozhao-demo';
const ADMIN_PASSWORD = 'a long enough passphrase 7';

/** A deployment's environment: nothing from the test run decides demo or bind address. */
function deployEnv(dataDir: string, extra: Record<string, string | undefined> = {}) {
  return {
    DATA_DIR: dataDir,
    HOST: undefined,
    KAOZHAO_DEMO: undefined,
    KAOZHAO_SECRET: undefined,
    NODE_ENV: undefined,
    KAOZHAO_PHOTO_WORKERS: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function signIn(server: Server, username: string, password: string): Promise<Response> {
  return fetch(`${server.url}/api/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ username, password }),
  });
}

/** Runs `bin/kaozhao.mjs` with `stdin` piped in, as an operator would: `echo … | kaozhao admin create …`. */
function cli(
  args: string[],
  stdin: string,
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; out: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.DATABASE_URL;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/kaozhao.mjs'), ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

/** Whether a TCP connection to host:port is accepted (refused, unroutable or silent: not). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.setTimeout(5000, () => finish(false));
  });
}

const dirs: string[] = [];
function tempDataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'kz-deploy-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('which starts seed the demo', () => {
  function configWith(env: Record<string, string | undefined>) {
    const saved = { ...process.env };
    try {
      for (const k of ['NODE_ENV', 'DATABASE_URL', 'KAOZHAO_DEMO', 'HOST']) delete process.env[k];
      Object.assign(process.env, env);
      return loadConfig({ dataDir: os.tmpdir(), secret: 'x'.repeat(32) });
    } finally {
      process.env = saved;
    }
  }

  it('a bare start: yes; NODE_ENV=production or DATABASE_URL: no, unless KAOZHAO_DEMO=1', () => {
    expect(configWith({}).demo).toBe(true);
    expect(configWith({ NODE_ENV: 'production' }).demo).toBe(false);
    expect(configWith({ DATABASE_URL: 'postgres://db.example/kaozhao' }).demo).toBe(false);
    expect(configWith({ NODE_ENV: 'production', KAOZHAO_DEMO: '1' }).demo).toBe(true);
    expect(configWith({ DATABASE_URL: 'postgres://db.example/kaozhao', KAOZHAO_DEMO: '1' }).demo).toBe(true);
    expect(configWith({ KAOZHAO_DEMO: '0' }).demo).toBe(false);
    expect(() => configWith({ KAOZHAO_DEMO: 'yes' })).toThrow(/KAOZHAO_DEMO/);
  });

  it('binds to loopback unless HOST says otherwise', () => {
    expect(configWith({}).host).toBe('127.0.0.1');
    expect(configWith({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('a production start on an empty data directory', () => {
  it('has no demo, says how to create the first admin, and `kaozhao admin create` makes one', {
    timeout: 400_000,
  }, async () => {
    const dataDir = tempDataDir();
    const env = deployEnv(dataDir, { NODE_ENV: 'production' });
    let server = await startServer(env);
    try {
      expect(existsSync(path.join(dataDir, DEMO_LOGINS_FILE))).toBe(false);
      for (const password of [OLD_DEMO_PASSWORD, 'anything at all, really']) {
        expect((await signIn(server, 'hq', password)).status).toBe(401);
      }
      expect(server.log()).toContain('admin create --role hq --username');

      // The embedded database is the server's while it runs: the CLI refuses rather than corrupt it.
      const busy = await cli(
        ['admin', 'create', '--role', 'hq', '--username', 'root-admin'],
        `${ADMIN_PASSWORD}\n`,
        env,
      );
      expect(busy.code).toBe(1);
      expect(busy.out).toMatch(/in use by process \d+/);
    } finally {
      await server.stop();
    }

    const weak = await cli(['admin', 'create', '--role', 'hq', '--username', 'root-admin'], 'short-pw1\n', env);
    expect(weak.code).toBe(1);
    expect(weak.out).toContain('admin.password_weak');
    const same = await cli(['admin', 'create', '--role', 'hq', '--username', 'root-admin-1'], 'root-admin-1\n', env);
    expect(same.code).toBe(1);
    expect(same.out).toContain('admin.password_weak');
    const noUnit = await cli(['admin', 'create', '--role', 'centre', '--username', 'c1'], `${ADMIN_PASSWORD}\n`, env);
    expect(noUnit.code).toBe(2);

    const made = await cli(['admin', 'create', '--role', 'hq', '--username', 'root-admin'], `${ADMIN_PASSWORD}\n`, env);
    expect(made.out).toContain('root-admin');
    expect(made.code).toBe(0);
    expect(made.out).not.toContain(ADMIN_PASSWORD);
    const again = await cli(
      ['admin', 'create', '--role', 'hq', '--username', 'root-admin'],
      `${ADMIN_PASSWORD}\n`,
      env,
    );
    expect(again.code).toBe(1);
    expect(again.out).toContain('admin.username_taken');

    server = await startServer(env);
    try {
      expect(server.log()).not.toContain('admin create --role hq');
      const res = await signIn(server, 'root-admin', ADMIN_PASSWORD);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { role: string }).role).toBe('hq');
      expect((await signIn(server, 'hq', OLD_DEMO_PASSWORD)).status).toBe(401);
      expect(existsSync(path.join(dataDir, DEMO_LOGINS_FILE))).toBe(false);

      // The CLI's creation is in the audit log, without an acting admin.
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      const audit = await fetch(`${server.url}/api/admin/audit?action=admin.create`, { headers: { cookie } });
      expect(audit.status).toBe(200);
      const items = ((await audit.json()) as { items: { adminUsername: string | null; detail: { via?: string } }[] })
        .items;
      expect(items).toEqual([
        expect.objectContaining({ adminUsername: null, detail: expect.objectContaining({ via: 'cli' }) }),
      ]);
    } finally {
      await server.stop();
    }
  });
});

describe('a development start (npm start on a fresh clone)', () => {
  it('seeds the demo with generated passwords, shown once, on loopback only', { timeout: 400_000 }, async () => {
    const dataDir = tempDataDir();
    const env = deployEnv(dataDir);
    let server = await startServer(env);
    let logins: ReturnType<typeof parseDemoLogins>;
    try {
      const file = path.join(dataDir, DEMO_LOGINS_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      logins = parseDemoLogins(readFileSync(file, 'utf8'));
      expect(logins.students).toHaveLength(10);
      expect(logins.admins.map((a) => a.username)).toEqual(
        expect.arrayContaining(['hq', 'branch1', 'centre1', 'reviewer']),
      );
      // One password per account, none the old published one.
      const passwords = logins.admins.map((a) => a.password);
      expect(new Set(passwords).size).toBe(passwords.length);
      for (const p of passwords) {
        expect(p.length).toBeGreaterThanOrEqual(12);
        expect(p).not.toBe(OLD_DEMO_PASSWORD);
      }
      const hq = logins.admins.find((a) => a.username === 'hq')!;
      expect((await signIn(server, 'hq', hq.password)).status).toBe(200);
      expect((await signIn(server, 'hq', OLD_DEMO_PASSWORD)).status).toBe(401);
      // Someone handed centre1's password does not get into hq with it.
      const centre1 = logins.admins.find((a) => a.username === 'centre1')!;
      expect((await signIn(server, 'centre1', centre1.password)).status).toBe(200);
      expect((await signIn(server, 'hq', centre1.password)).status).toBe(401);
      expect(server.log()).toContain(hq.password);
      expect(server.log()).not.toContain('admin create --role hq');

      // Loopback only: another loopback address (all of 127/8 reaches this machine on Linux) and
      // the machine's own addresses are refused; 127.0.0.1 answers.
      const port = Number(new URL(server.url).port);
      expect(await accepts('127.0.0.1', port)).toBe(true);
      const others = Object.values(os.networkInterfaces())
        .flat()
        .filter((i) => i && i.family === 'IPv4' && !i.internal)
        .map((i) => i!.address);
      for (const host of ['127.0.0.2', ...others]) expect(await accepts(host, port), host).toBe(false);
    } finally {
      await server.stop();
    }

    // A second start finds the demo there: it seeds nothing and prints no password again.
    const before = readFileSync(path.join(dataDir, DEMO_LOGINS_FILE), 'utf8');
    server = await startServer(env);
    try {
      const hq = logins.admins.find((a) => a.username === 'hq')!;
      expect(server.log()).not.toContain(hq.password);
      expect(readFileSync(path.join(dataDir, DEMO_LOGINS_FILE), 'utf8')).toBe(before);
      expect((await signIn(server, 'hq', hq.password)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
