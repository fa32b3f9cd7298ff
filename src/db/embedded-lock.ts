// The embedded database is one process's files: PGlite opens a directory another process has open
// without complaint, and two writers corrupt it. The server and the CLI take this lock first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Holds DATA_DIR/kaozhao.pid until release() or exit; throws when a live process holds it. */
export function lockEmbeddedDatabase(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'kaozhao.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${pid} (a running server?): stop it first, ` +
            `or delete ${file} if no Kaozhao process runs`,
        );
      }
      // Left behind by a process that ended without releasing it.
      rmSync(file, { force: true });
    }
  }
  const release = () => {
    // A process that locks and releases again and again (a test, a long CLI run) keeps no listener.
    process.removeListener('exit', release);
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.once('exit', release);
  return { release };
}
