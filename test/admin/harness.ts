// Plumbing for the admin console browser test: a fresh build of web/admin, the real server on a
// temp data directory (demo seed, no photo workers), Debian's chromium at desktop size, screenshots.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-output/admin-screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the test cannot run here, or null. Under CI a missing piece is a failure, not a skip. */
export function missingPrerequisite(): string | null {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM}; apt-get install chromium)`);
  if (!existsSync(path.join(ROOT, 'src/main.ts'))) missing.push('the server (src/main.ts)');
  if (missing.length === 0) return null;
  const why = `admin console e2e needs ${missing.join(', ')}`;
  if (process.env.CI) throw new Error(why);
  console.log(`skipping: ${why}`);
  return why;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist' && entry.name !== 'node_modules') newest = Math.max(newest, newestMtime(p));
    } else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds web/admin/dist when it is missing or older than any source (app or shared domain). */
export function ensureBuilt(): void {
  const index = path.join(ROOT, 'web/admin/dist/index.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'web/admin')), newestMtime(path.join(ROOT, 'src/domain')));
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  execFileSync(path.join(ROOT, 'node_modules/.bin/vite'), ['build', '--config', 'web/admin/vite.config.ts'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
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
  dataDir: string;
  stop(): Promise<void>;
  log(): string;
}

/** Starts `tsx src/main.ts` on a free port with an empty data directory and waits for /healthz. */
export async function startServer(): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kaozhao-admin-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // The console makes no photos: skip loading the face models.
    KAOZHAO_PHOTO_WORKERS: '0',
  };
  // The embedded database with its demo seed, whatever the shell exports for other tests.
  delete env.DATABASE_URL;
  delete env.KAOZHAO_STORAGE;
  let output = '';
  const child: ChildProcess = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() ends tsx and the node process it runs
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const server: Server = {
    url,
    dataDir,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
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

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh 1440×900 desktop page (own cookies) that records page errors and console errors. */
export async function desktopPage(browser: Browser, baseURL: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  return { page, errors };
}

export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Not while a table or the page is still loading, nor while an image is still downloading.
  await page.waitForFunction(
    () =>
      !document.querySelector('.ant-spin-spinning') &&
      [...document.images].every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout: 15_000 },
  );
  // Charts animate in; let them settle before the picture.
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
