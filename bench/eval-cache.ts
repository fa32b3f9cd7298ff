// The eval's per-photo cache: which photos a folder holds (MANIFEST.tsv), where each photo's engine
// result is cached, and the hash of the engine code the cache is valid for. Shared by the eval and
// the training script (scripts/train.ts), which reads the cached evidence.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult } from '../src/domain/checks.js';
import type { EvalRow } from './eval-stats.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** EVAL_ONLY=<regex>: evaluate only matching files (e.g. '^(defects|portraits)/' skips verification). */
const ONLY = process.env.EVAL_ONLY ? new RegExp(process.env.EVAL_ONLY) : null;

export interface Cached {
  file: string;
  error: string | null;
  made: boolean;
  faceCount: number;
  report: CheckResult[];
  timings: Record<string, number>;
  embedding: number[] | null;
  /** What the learned checks read, and the report before they decided (the report above is after). */
  evidence: { features: Record<string, number> | null; ruleReport: CheckResult[] } | null;
  /** ms per check group inside runComplianceChecks. */
  costs: Record<string, number>;
  ms: number;
}

export function manifest(dir: string): EvalRow[] {
  const lines = fs.readFileSync(path.join(dir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const fi = head.indexOf('file');
  const li = head.indexOf('labels');
  const si = head.indexOf('sha256');
  const ri = head.indexOf('source_repo');
  return lines
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((c) => /^(defects|portraits|identities|duplicates|other)\//.test(c[fi]!))
    .filter((c) => !ONLY || ONLY.test(c[fi]!))
    .map((c) => ({ file: c[fi]!, labels: c[li] ?? '', sha: c[si] ?? '', repo: ri >= 0 ? (c[ri] ?? '') : '' }));
}

/**
 * Photos whose labels this project disputes (bench/disputed-labels.tsv), judged by eye where a
 * check disagreed with the label: per photo, the labels it lacks (`+tight_crop`) and those it
 * does not show (`-dark`), comma-separated, and what it shows. They stay in the acceptance
 * figures as labelled; the eval also prints the figures without them, and training leaves them
 * out, so no level is set on a label believed wrong.
 */
export function disputedLabels(): Map<string, { lacks: string[]; not: string[]; shows: string }> {
  const lines = fs.readFileSync(path.join(repo, 'bench/disputed-labels.tsv'), 'utf8').trim().split('\n').slice(1);
  return new Map(
    lines.map((l) => {
      const [file, labels, shows] = l.split('\t');
      const all = (labels ?? '').split(',').map((x) => x.trim());
      const pick = (sign: string) => all.filter((x) => x.startsWith(sign)).map((x) => x.slice(1));
      return [file!, { lacks: pick('+'), not: pick('-'), shows: shows ?? '' }];
    }),
  );
}

/** Hash of the engine's code and settings: a cached result is valid only for the same engine. */
export function engineHash(): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // verify.ts holds the verification threshold this eval chooses; the learned checks (their
      // model and calibration.json) decide on the cached evidence at print time: none changes the cache.
      else if (/\.(ts|json)$/.test(e.name) && !['verify.ts', 'model.ts', 'calibration.json'].includes(e.name))
        h.update(p).update(fs.readFileSync(p));
    }
  };
  walk(path.join(repo, 'src/photo'));
  h.update(fs.readFileSync(path.join(repo, 'src/domain/checks.ts')));
  return h.digest('hex').slice(0, 16);
}

export function cachePath(cacheDir: string, row: EvalRow): string {
  const sha = row.sha || createHash('sha256').update(row.file).digest('hex');
  return path.join(cacheDir, `${sha}.json`);
}

/** The engine results cache for the current engine code (EVAL_CACHE_DIR overrides). */
export function engineCacheDir(): string {
  return process.env.EVAL_CACHE_DIR ?? path.join(os.tmpdir(), 'kaozhao-eval', engineHash());
}

/** sha256 of the folder's MANIFEST.tsv: what a calibration was trained on. */
export function manifestSha(dir: string): string {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(dir, 'MANIFEST.tsv')))
    .digest('hex');
}

/** The cached result of each row (every row must be cached). */
export function readCached(cacheDir: string, rows: EvalRow[]): Map<string, Cached> {
  const out = new Map<string, Cached>();
  for (const r of rows) out.set(r.file, JSON.parse(fs.readFileSync(cachePath(cacheDir, r), 'utf8')) as Cached);
  return out;
}
