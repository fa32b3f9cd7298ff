// Builds the web apps (student at /, admin at /admin) when their dist/ is missing or older than
// their sources, so `npm start` on a fresh clone serves them without a separate build step.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Writes .br and .gz beside every text file of a build, once, at build time: the server sends
 * them as they are (@fastify/static preCompressed), so a phone on a slow network downloads
 * about a third of the bytes and no request pays for compression.
 */
function precompress(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) precompress(p);
    else if (/\.(js|css|html|svg|json|txt)$/.test(e.name)) {
      const raw = readFileSync(p);
      if (raw.length < 1024) continue;
      writeFileSync(
        `${p}.br`,
        brotliCompressSync(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
        }),
      );
      writeFileSync(`${p}.gz`, gzipSync(raw, { level: 9 }));
    }
  }
}

/**
 * One build at a time: test files start servers in parallel and each calls this script; without
 * the lock one build empties dist/ while another is still compressing it. The second caller waits,
 * then finds the apps fresh. A lock older than five minutes was left by a killed build.
 */
function withLock(fn) {
  const lock = path.join(root, 'web', '.build.lock');
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`another web build still holds ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const force = process.argv.includes('--force');
withLock(() => {
  for (const app of ['student', 'admin']) {
    const dir = path.join(root, 'web', app);
    const config = path.join(dir, 'vite.config.ts');
    if (!existsSync(config)) continue;
    const built = path.join(dir, 'dist', 'index.html');
    const stale =
      !existsSync(built) ||
      newest(dir) > statSync(built).mtimeMs ||
      newest(path.join(root, 'src', 'domain')) > statSync(built).mtimeMs;
    if (!force && !stale) continue;
    console.log(`building web/${app}…`);
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', config, '--logLevel', 'warn'],
      {
        cwd: root,
        stdio: 'inherit',
        // Under a test runner NODE_ENV=test would make Vite ship React's development build.
        env: { ...process.env, NODE_ENV: 'production' },
      },
    );
    precompress(path.join(dir, 'dist'));
  }
});
