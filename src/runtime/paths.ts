// The project's folders, found once from this module's location. Modules that read files kept
// beside the sources (specs, calibration, models) build their paths from here rather than from
// their own import.meta.url, which in a worker thread's bundle (thread.ts) is the bundle's.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` whose package.json is this project's. */
function findRoot(from: string): string {
  for (let dir = from; ; ) {
    const pkg = path.join(dir, 'package.json');
    try {
      if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kaozhao')
        return dir;
    } catch {
      // An unreadable package.json is not ours: keep going up.
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('kaozhao: the project folder (package.json "kaozhao") was not found');
    dir = up;
  }
}

/** The folder holding package.json, src/ and models/. */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** A path under src/, e.g. sourcePath('photo', 'specs'). */
export const sourcePath = (...parts: string[]): string => path.join(PROJECT_ROOT, 'src', ...parts);
