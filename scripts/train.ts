// npm run train -- [--cv-only] [faces dir]   (default: $KAOZHAO_FACES or ../shared/data/faces)
// Fits the learned checks and their operating points (method: scripts/train/learn.ts) on the
// evidence the engine computes for every photo of the folder, and writes
// src/photo/learned/calibration.json with the manifest's hash, the method and the cross-validated
// figures. The evidence comes from the eval's cache; photos not yet in it are run first
// (`npm run eval` with --extract: about 15 min on two cores for the shared set).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cached, cachePath, engineCacheDir, manifest, manifestSha, readCached } from '../bench/eval-cache.js';
import { excused, FOLDER_CHECKS, fmtRate, isJudged, JUDGED_ONLY, summarise } from '../bench/eval-stats.js';
import { applyLearned, CALIBRATION_PATH } from '../src/photo/learned/model.js';
import { CV_FOLDS, crossValidated, foldOf, LEARNED, SEED, target, toSamples, trainAll } from './train/learn.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function main(): void {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const dir = path.resolve(positional[0] ?? process.env.KAOZHAO_FACES ?? path.join(repo, '../shared/data/faces'));
  const rows = manifest(dir).filter(isJudged);
  const cacheDir = engineCacheDir();
  if (rows.some((r) => !fs.existsSync(cachePath(cacheDir, r)))) {
    console.log(`computing evidence for the photos not in ${cacheDir} …`);
    const run = spawnSync(process.execPath, [...process.execArgv, path.join(repo, 'bench/eval.ts'), dir, '--extract'], {
      stdio: 'inherit',
      env: { ...process.env, EVAL_ONLY: JUDGED_ONLY },
    });
    if (run.status !== 0) throw new Error('evidence extraction failed');
  }
  const cached = readCached(cacheDir, rows);
  const samples = toSamples(rows, cached);
  const fold = foldOf(rows, CV_FOLDS);
  const sha = manifestSha(dir);
  console.log(
    `${samples.length} photos with evidence, ${Object.keys(samples[0]?.features ?? {}).length} features, seed ${SEED}`,
  );
  for (const [id, defects] of Object.entries(LEARNED)) {
    const pos = samples.filter((s) => target(s, defects!) === 1).length;
    console.log(`  ${id.padEnd(20)} positives ${pos}`);
  }

  const t0 = performance.now();
  const perFold = crossValidated(samples, fold, CV_FOLDS, sha);
  const results = new Map<string, { made: boolean; report: Cached['report'] }>();
  for (const [file, c] of cached) {
    const report = c.evidence
      ? applyLearned(c.evidence.ruleReport, c.evidence.features, perFold.get(file) ?? null)
      : c.report;
    results.set(file, { made: c.made, report });
  }
  const all = summarise(rows, results, FOLDER_CHECKS, excused);
  const perClass: Record<string, string> = {};
  for (const folder of Object.keys(FOLDER_CHECKS)) {
    const rs = rows.filter((r) => r.file.startsWith(`defects/${folder}/`));
    if (rs.length === 0) continue;
    const s = summarise(rs, results, FOLDER_CHECKS, excused);
    perClass[folder] = fmtRate(s.flagged.k, s.flagged.n);
  }
  const cv = {
    folds: CV_FOLDS,
    flagged: fmtRate(all.flagged.k, all.flagged.n),
    false_fail: fmtRate(all.falseFail.k, all.falseFail.n),
    review_rate: fmtRate(all.review.k, all.review.n),
    made: fmtRate(all.made.k, all.made.n),
    per_class: perClass,
  };
  console.log(`cross-validated in ${((performance.now() - t0) / 1000).toFixed(0)} s:`, JSON.stringify(cv, null, 1));

  if (process.argv.includes('--cv-only')) return;
  const cal = trainAll(samples, fold, CV_FOLDS, sha, cv);
  fs.writeFileSync(CALIBRATION_PATH, `${JSON.stringify(cal)}\n`);
  console.log('check                evidence  AUC region  AUC all  warn share');
  for (const [id, m] of Object.entries(cal.checks)) {
    console.log(
      `${id.padEnd(20)} ${String(m!.evidence).padEnd(9)} ${String(m!.auc?.region ?? '-').padStart(10)} ${String(m!.auc?.all ?? '-').padStart(8)}  ${m!.warn === null ? 'off' : `${(m!.share * 100).toFixed(2)}%`}`,
    );
  }
  console.log(
    `wrote ${path.relative(repo, CALIBRATION_PATH)} (${(fs.statSync(CALIBRATION_PATH).size / 1024).toFixed(0)} KB) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

main();
