// The project's folders, found once from this module's location. Modules that read files kept
// beside the sources (specs, calibration, models) build their paths from here rather than from
// their own import.meta.url, which in a worker thread's bundle (thread.ts) is the bundle's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` whose package.json is this project's. */
function findRoot(from: string): string {
  for (let dir = from; ; ) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'kaozhao') return dir;
    } catch {
      // No package.json here, or not one that parses: keep going up.
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
