// kaozhao photo <files...> [--spec chsi] [--bg blue] [--out dir] [--json] [--workers n]
// Writes the ID photos and their reports; exits 1 when a photo could not be made or a check fails.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKGROUND_NAMES, type BackgroundName } from '../domain/backgrounds.js';
import { KaozhaoError } from '../domain/errors.js';
// Not photo/index.js: the engine loads in the pool's threads, not in this one too.
import { createPhotoPool } from '../photo/pool.js';
import { listSpecs, loadSpec } from '../photo/spec.js';
import type { IdPhotoResult } from '../photo/types.js';

export const PHOTO_USAGE = `usage: kaozhao photo <files...> [--spec ${listSpecs().join('|')}] [--bg ${BACKGROUND_NAMES.join('|')}] [--out dir] [--json] [--workers n]`;

interface FileReport {
  file: string;
  made: boolean;
  verdict: string;
  outputs: string[];
  error?: { code: string; message: string };
  report: IdPhotoResult['report'];
  timings: IdPhotoResult['timings'];
}

export async function photo(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      spec: { type: 'string', default: 'chsi' },
      bg: { type: 'string' },
      out: { type: 'string', default: 'out' },
      json: { type: 'boolean', default: false },
      workers: { type: 'string' },
    },
  });
  if (positionals.length === 0) {
    console.error(PHOTO_USAGE);
    return 2;
  }
  const spec = loadSpec(values.spec);
  const bg = (values.bg ?? spec.defaultBackground) as BackgroundName;
  if (!spec.backgrounds[bg]) {
    console.error(`spec ${spec.id} has no background "${bg}" (has: ${Object.keys(spec.backgrounds).join(', ')})`);
    return 2;
  }
  await mkdir(values.out, { recursive: true });
  const size = values.workers ? Number(values.workers) : undefined;
  const pool = createPhotoPool({ size, maxQueue: positionals.length });
  const reports = await Promise.all(
    positionals.map(async (file): Promise<FileReport> => {
      const base = path.basename(file).replace(/\.[^.]+$/, '');
      try {
        const r = await pool.make(await readFile(file), { spec: spec.id, backgrounds: [bg] });
        const outputs: string[] = [];
        for (const [name, jpeg] of Object.entries(r.photos)) {
          const p = path.join(values.out, `${base}.${name}.jpg`);
          await writeFile(p, jpeg);
          outputs.push(p);
        }
        const rep = { file, made: r.made, verdict: r.verdict, outputs, report: r.report, timings: r.timings };
        await writeFile(path.join(values.out, `${base}.report.json`), JSON.stringify(rep, null, 2));
        return rep;
      } catch (e) {
        const k = e instanceof KaozhaoError ? e : KaozhaoError.of('engine.crashed', { cause: e });
        return {
          file,
          made: false,
          verdict: 'fail',
          outputs: [],
          error: { code: k.code, message: k.zh },
          report: [],
          timings: {},
        };
      }
    }),
  );
  await pool.close();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const r of reports) {
      const problems = r.error
        ? `${r.error.code} ${r.error.message}`
        : r.report
            .filter((c) => c.status !== 'pass')
            .map((c) => `${c.status} ${c.id}: ${c.message.zh}`)
            .join('; ');
      console.log(`${r.verdict.padEnd(4)} ${r.file}${r.outputs.length ? ` → ${r.outputs.join(', ')}` : ''}`);
      if (problems) console.log(`     ${problems}`);
    }
  }
  return reports.some((r) => !r.made || r.verdict === 'fail') ? 1 : 0;
}
