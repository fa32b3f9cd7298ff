// The real server as a child process for browser tests: the web apps built, `tsx src/main.ts` on a
// free port with an empty data directory (embedded database, demo seed), stopped with its workers.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds whichever web app is missing or older than its sources (the same step as `npm start`). */
export function ensureWebBuilt(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-web.mjs')], { cwd: ROOT, stdio: 'pipe' });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  /** The child's pid, also its process group (tsx and the node process it starts). */
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
  /** Last lines the server printed, for failure messages. */
  log(): string;
}

/** Starts the server and waits for /healthz. `env` adds to (or, with undefined, removes from) the
 *  test's environment; the database is the embedded one with its demo seed unless `env` sets
 *  DATABASE_URL (or DATA_DIR, to reuse a prepared one). */
export async function startServer(env: Record<string, string | undefined> = {}): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaozhao-e2e-'));
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...env,
  };
  // The embedded database unless the caller names a server.
  if (!('DATABASE_URL' in env)) delete childEnv.DATABASE_URL;
  if (!('KAOZHAO_STORAGE' in env)) delete childEnv.KAOZHAO_STORAGE;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  let output = '';
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() also ends tsx's node process and its workers
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const server: Server = {
    url,
    pid: child.pid ?? 0,
    dataDir,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        signal('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) signal('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await server.stop();
  throw new Error(`server did not answer /healthz within 150 s:\n${output}`);
}
