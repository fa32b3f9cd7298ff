// Compliance and verification evaluation over a labelled face folder (../shared/data/faces layout).
//   npm run eval -- [--cv] [faces dir]      (default: $KAOZHAO_FACES or ../shared/data/faces)
// Runs makeIdPhoto on every photo of MANIFEST.tsv (2 worker processes; results cached per file
// sha256 and engine-code hash in the temp dir, so re-runs after a threshold change of the report
// only rerun what changed), then prints per check a confusion table against the labels, per-check
// cost, and 1:1 verification on pairs/*.tsv with describeFace (src/photo/verify.ts: the exam-entry
// description, which also takes photos makeIdPhoto refuses; cached per file and verification-code
// hash). The judgement section (eval-stats.ts) gives the acceptance figures of issue 17 with 95%
// Wilson intervals: per defect class and per check, borderline labels apart, and on good photos the
// false-fail, review and made rates and each check's share of the review load. The cache holds each
// photo's evidence and its report before the learned checks, which decide at print time: by the
// shipped calibration.json, or with --cv by the calibration trained without the photo's fold
// (scripts/train/learn.ts), so every figure is cross-validated; --cv also prints them per fold of
// whole source repositories (k = 5). --extract only fills the cache. The last line is machine-readable:
// flagged=… false_fail=… review_rate=… made=… tar_far1=… tar_far01=…
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CV_FOLDS, crossValidated, foldOf, toSamples } from '../scripts/train/learn.js';
import type { CheckId } from '../src/domain/checks.js';
import { complianceCosts, resetComplianceCosts } from '../src/photo/checks/compliance.js';
import { applyLearned, shippedCalibration } from '../src/photo/learned/model.js';
import { cosineSimilarity } from '../src/photo/verify.js';
import {
  type Cached,
  cachePath,
  disputedLabels,
  engineCacheDir,
  manifest,
  manifestSha,
  readCached,
} from './eval-cache.js';
import {
  countsForReview,
  defectFolder,
  type EvalRow,
  excused,
  FOLDER_CHECKS,
  fmtRate,
  goodOutcome,
  groupedFolds,
  isBorderline,
  isGood,
  isJudged,
  type Summary,
  summarise,
} from './eval-stats.js';
import { readPairs } from './verify-eval.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

type Row = EvalRow;

/**
 * Hash of the code describeFace runs (verify.ts without its threshold line, face/*, thresholds,
 * types): its results are valid only for the same code, and compliance-check edits keep them.
 */
function verifyHash(): string {
  const h = createHash('sha256');
  h.update(
    fs
      .readFileSync(path.join(repo, 'src/photo/verify.ts'), 'utf8')
      .replace(/^export const VERIFY_THRESHOLD = .*$/m, ''),
  );
  const faceDir = path.join(repo, 'src/photo/face');
  for (const f of fs.readdirSync(faceDir).sort()) h.update(f).update(fs.readFileSync(path.join(faceDir, f)));
  for (const f of ['thresholds.ts', 'types.ts']) h.update(fs.readFileSync(path.join(repo, 'src/photo', f)));
  return h.digest('hex').slice(0, 16);
}

/** The photos the pairs reference (within the evaluated rows), which verification describes. */
function pairRows(dir: string, rows: Row[]): Row[] {
  const files = new Set(readPairs(dir).flatMap((p) => [p.a, p.b]));
  return rows.filter((r) => files.has(r.file));
}

interface Described {
  file: string;
  embedding: number[] | null;
  error: string | null;
}

async function worker(dir: string, cacheDir: string, verifyDir: string, shard: number, of: number): Promise<void> {
  const { makeIdPhoto } = await import('../src/photo/pipeline.js');
  const { describeFace } = await import('../src/photo/verify.js');
  const rows = manifest(dir);
  const described = pairRows(dir, rows);
  for (let i = shard; i < described.length; i += of) {
    const row = described[i]!;
    const out = cachePath(verifyDir, row);
    if (fs.existsSync(out)) continue;
    let d: Described;
    try {
      const r = await describeFace(fs.readFileSync(path.join(dir, row.file)));
      d = { file: row.file, embedding: r ? r.embedding.map((v) => Math.round(v * 1e5) / 1e5) : null, error: null };
    } catch (e) {
      d = { file: row.file, embedding: null, error: e instanceof Error ? e.message : String(e) };
    }
    fs.writeFileSync(out, JSON.stringify(d));
  }
  for (let i = shard; i < rows.length; i += of) {
    const row = rows[i]!;
    const out = cachePath(cacheDir, row);
    if (fs.existsSync(out)) continue;
    const t0 = performance.now();
    let c: Cached;
    resetComplianceCosts();
    try {
      const r = await makeIdPhoto(new Uint8Array(fs.readFileSync(path.join(dir, row.file))), {
        backgrounds: ['blue'],
        evidence: true,
      });
      c = {
        file: row.file,
        error: null,
        made: r.made,
        faceCount: r.faceCount,
        report: r.report,
        timings: r.timings as Record<string, number>,
        embedding: r.face?.embedding.length ? r.face.embedding.map((v) => Math.round(v * 1e5) / 1e5) : null,
        evidence: r.evidence ?? null,
        costs: complianceCosts(),
        ms: 0,
      };
    } catch (e) {
      c = {
        file: row.file,
        error: e instanceof Error ? e.message : String(e),
        made: false,
        faceCount: 0,
        report: [],
        timings: {},
        embedding: null,
        evidence: null,
        costs: {},
        ms: 0,
      };
    }
    c.ms = Math.round(performance.now() - t0);
    fs.writeFileSync(out, JSON.stringify(c));
  }
}

const pct = (n: number, d: number) => (d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const f2 = (v: number) => (Math.round(v * 100) / 100).toFixed(2);

function auc(genuine: number[], impostor: number[]): number {
  let s = 0;
  for (const g of genuine) for (const i of impostor) s += g > i ? 1 : g === i ? 0.5 : 0;
  return s / (genuine.length * impostor.length);
}

/** The lowest threshold whose false-accept rate is ≤ far, and the true-accept rate there. */
function tarAt(genuine: number[], impostor: number[], far: number): { threshold: number; tar: number; far: number } {
  const imp = [...impostor].sort((a, b) => b - a);
  const allowed = Math.floor(far * imp.length);
  // Accept when sim > threshold: the threshold is the (allowed+1)-th highest impostor score.
  const threshold = imp[allowed] ?? -1;
  const tar = genuine.filter((g) => g > threshold).length / genuine.length;
  return { threshold, tar, far: imp.filter((i) => i > threshold).length / imp.length };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wi = args.indexOf('--worker');
  const positional = args.filter((a, i) => !a.startsWith('--') && (wi < 0 || i !== wi + 1));
  const dir = path.resolve(positional[0] ?? process.env.KAOZHAO_FACES ?? path.join(repo, '../shared/data/faces'));
  // EVAL_CACHE_DIR re-reads a given run's results (e.g. to re-print after a formatting-only edit).
  const cacheDir = engineCacheDir();
  fs.mkdirSync(cacheDir, { recursive: true });
  const verifyDir =
    process.env.EVAL_VERIFY_CACHE_DIR ?? path.join(os.tmpdir(), 'kaozhao-eval', `verify-${verifyHash()}`);
  fs.mkdirSync(verifyDir, { recursive: true });
  if (wi >= 0) {
    const [s, n] = args[wi + 1]!.split('/').map(Number) as [number, number];
    await worker(dir, cacheDir, verifyDir, s, n);
    return;
  }

  const rows = manifest(dir);
  const missing =
    rows.filter((r) => !fs.existsSync(cachePath(cacheDir, r))).length +
    pairRows(dir, rows).filter((r) => !fs.existsSync(cachePath(verifyDir, r))).length;
  const t0 = performance.now();
  if (missing > 0) {
    const n = Math.max(1, Math.min(Number(process.env.EVAL_WORKERS ?? 2), os.cpus().length, missing));
    console.log(
      `running ${missing} jobs (makeIdPhoto, describeFace) over ${rows.length} photos on ${n} processes (cache ${cacheDir}, ${verifyDir})`,
    );
    const self = fileURLToPath(import.meta.url);
    await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const p = spawn(process.execPath, [...process.execArgv, self, dir, '--worker', `${i}/${n}`], {
              stdio: 'inherit',
            });
            p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${i} exited ${code}`))));
          }),
      ),
    );
  } else console.log(`all ${rows.length} photos cached (${cacheDir})`);
  const wall = (performance.now() - t0) / 1000;
  const results = readCached(cacheDir, rows);
  if (args.includes('--extract')) return; // scripts/train.ts reads the cache

  // The learned checks decide on the cached evidence: with --cv each photo by the calibration
  // learned without its fold (scripts/train/learn.ts), else by the shipped calibration.json.
  const sha = manifestSha(dir);
  const shipped = shippedCalibration();
  if (!shipped) console.log('\n!!! no src/photo/learned/calibration.json: the learned checks are off (npm run train)');
  else if (shipped.manifest !== sha)
    console.log(
      `\n!!! calibration.json was trained on another manifest (${shipped.manifest.slice(0, 12)}…, this folder ${sha.slice(0, 12)}…): figures are not comparable with its cross-validated ones`,
    );
  if (shipped?.rules)
    console.log(
      `calibration.json gates the rules' warns of ${Object.entries(shipped.rules)
        .map(([id, g]) => `${id} (${g!.warn === null ? 'none stands' : `${g!.direction} ≥ ${g!.warn}`})`)
        .join(', ')}`,
    );
  const perFold = args.includes('--cv')
    ? crossValidated(toSamples(rows, results), foldOf(rows, CV_FOLDS), CV_FOLDS, sha)
    : null;
  for (const [file, c] of results) {
    if (!c.evidence) continue;
    c.report = applyLearned(
      c.evidence.ruleReport,
      c.evidence.features,
      perFold ? (perFold.get(file) ?? null) : shipped,
    );
  }

  // ---- compliance confusion tables ----
  const status = (c: Cached, id: CheckId) => c.report.find((e) => e.id === id)?.status ?? null;
  const checkIds = [...new Set(Object.values(FOLDER_CHECKS).flat())];
  for (const c of results.values()) for (const e of c.report) if (!checkIds.includes(e.id)) checkIds.push(e.id);
  const positives = rows.filter((r) => {
    const m = /^defects\/([^/]+)\//.exec(r.file);
    return m && FOLDER_CHECKS[m[1]!];
  });
  const negatives = rows.filter(isGood);
  const folderOf = (r: Row) => /^defects\/([^/]+)\//.exec(r.file)![1]!;

  console.log(
    '\n== Compliance per check (positives: defect folders mapped to the check; negatives: portraits/ + eyeglasses_no_reflection/ + hair_accessory/) ==',
  );
  console.log(
    `${'check'.padEnd(20)} ${'pos'.padStart(4)} ${'fail'.padStart(4)} ${'warn'.padStart(4)} ${'pass'.padStart(4)} ${'n/a'.padStart(4)} | ${'neg'.padStart(4)} ${'fail'.padStart(4)} ${'warn'.padStart(4)} ${'pass'.padStart(4)} | ${'detect'.padStart(6)} ${'falsefail'.padStart(9)} ${'ms/photo'.padStart(8)}`,
  );
  const costTotals: Record<string, number> = {};
  let costN = 0;
  for (const c of results.values()) {
    if (Object.keys(c.costs).length === 0) continue;
    costN++;
    for (const [k, v] of Object.entries(c.costs)) costTotals[k] = (costTotals[k] ?? 0) + v;
  }
  for (const id of checkIds) {
    const pos = positives.filter((r) => FOLDER_CHECKS[folderOf(r)]![0] === id);
    const neg = negatives.filter((r) => !excused(r).has(id));
    const cnt = (rs: Row[], s: string | null) => rs.filter((r) => status(results.get(r.file)!, id) === s).length;
    const pf = cnt(pos, 'fail');
    const pw = cnt(pos, 'warn');
    const nf = cnt(neg, 'fail');
    const cost = costTotals[id] !== undefined ? f2(costTotals[id]! / costN) : '';
    console.log(
      `${id.padEnd(20)} ${String(pos.length).padStart(4)} ${String(pf).padStart(4)} ${String(pw).padStart(4)} ${String(cnt(pos, 'pass')).padStart(4)} ${String(cnt(pos, null)).padStart(4)} | ${String(neg.length).padStart(4)} ${String(nf).padStart(4)} ${String(cnt(neg, 'warn')).padStart(4)} ${String(cnt(neg, 'pass')).padStart(4)} | ${pct(pf + pw, pos.length)} ${pct(nf, neg.length).padStart(9)} ${cost.padStart(8)}`,
    );
  }

  console.log('\n== Negatives: checks that failed (not excused by their labels) ==');
  for (const r of negatives) {
    const c = results.get(r.file)!;
    const ex = excused(r);
    const fails = c.report.filter((e) => e.status === 'fail' && !ex.has(e.id));
    const warns = c.report.filter((e) => e.status === 'warn' && !ex.has(e.id)).map((e) => e.id);
    if (fails.length || warns.length || c.error)
      console.log(
        `${r.file.padEnd(62)} ${c.error ? `ERROR ${c.error} ` : ''}fail: ${fails.map((e) => `${e.id}=${e.value}`).join(' ') || '-'}  warn: ${warns.join(' ') || '-'}`,
      );
  }

  const judged = printJudgement(rows, results, excused, args.includes('--cv'));

  // ---- cost ----
  const times = [...results.values()].filter((c) => c.timings.checks !== undefined);
  const checksMs = times.map((c) => c.timings.checks!).sort((a, b) => a - b);
  const compMs = [...results.values()]
    .filter((c) => Object.keys(c.costs).length > 0)
    .map((c) => Object.values(c.costs).reduce((a, b) => a + b, 0))
    .sort((a, b) => a - b);
  const med = (a: number[]) => a[Math.floor(a.length / 2)] ?? 0;
  const p95 = (a: number[]) => a[Math.floor(a.length * 0.95)] ?? 0;
  const totalMs = [...results.values()].map((c) => c.ms).sort((a, b) => a - b);
  // Models that run only for the checks (expression net, hand landmarks) count against the checks' budget.
  const modelMs = times.map((c) => c.timings.checkModels ?? 0).sort((a, b) => a - b);
  const withModels = times.map((c) => c.timings.checks! + (c.timings.checkModels ?? 0)).sort((a, b) => a - b);
  console.log('\n== Cost ==');
  console.log(
    `photos ${rows.length}, wall ${wall.toFixed(1)} s this run; makeIdPhoto median ${med(totalMs)} ms; 'checks' stage (incl. background ΔE) median ${f2(med(checksMs))} ms p95 ${f2(p95(checksMs))} ms; compliance checks alone median ${f2(med(compMs))} ms p95 ${f2(p95(compMs))} ms`,
  );
  console.log(
    `models for the checks (expression, hand) median ${f2(med(modelMs))} ms p95 ${f2(p95(modelMs))} ms; checks stage + those models median ${f2(med(withModels))} ms p95 ${f2(p95(withModels))} ms`,
  );
  console.log(
    `per check group (mean ms/photo): ${Object.entries(costTotals)
      .map(([k, v]) => `${k} ${f2(v / Math.max(1, costN))}`)
      .join(', ')}`,
  );

  // ---- verification ----
  // describeFace on every photo the pairs reference (exam entry's description, not makeIdPhoto's).
  const pairs = readPairs(dir);
  const described = new Map<string, Described>();
  for (const r of pairRows(dir, rows))
    described.set(r.file, JSON.parse(fs.readFileSync(cachePath(verifyDir, r), 'utf8')) as Described);
  const genuine: number[] = [];
  const impostor: number[] = [];
  const genuineBoth: number[] = [];
  const impostorBoth: number[] = [];
  let noEmbedding = 0;
  for (const p of pairs) {
    // Under EVAL_ONLY a pair whose photos were not evaluated is left out.
    if (!described.has(p.a) || !described.has(p.b)) continue;
    const ea = described.get(p.a)?.embedding;
    const eb = described.get(p.b)?.embedding;
    // A photo without a face cannot verify: a genuine pair then counts as a reject (-1).
    const sim = ea && eb ? cosineSimilarity(ea, eb) : -1;
    if (!ea || !eb) noEmbedding++;
    else (p.same ? genuineBoth : impostorBoth).push(sim);
    (p.same ? genuine : impostor).push(sim);
  }
  const undescribed = [...described.values()].filter((d) => !d.embedding);
  if (undescribed.length)
    console.log(
      `\nno face described: ${undescribed.map((d) => `${d.file}${d.error ? ` (${d.error})` : ''}`).join(', ')}`,
    );
  console.log(
    '\n== Verification (describeFace: faceDescription, face-api FaceRecognitionNet on the dlib-aligned chip, cosine similarity) ==',
  );
  const report = (label: string, g: number[], i: number[]) => {
    const r1 = tarAt(g, i, 0.01);
    const r01 = tarAt(g, i, 0.001);
    console.log(`${label}: genuine ${g.length}, impostor ${i.length}; ROC area ${auc(g, i).toFixed(4)}`);
    console.log(
      `  TAR ${(r1.tar * 100).toFixed(1)}% at FAR ≤ 1% (threshold ${r1.threshold.toFixed(3)}, FAR ${(r1.far * 100).toFixed(2)}%)`,
    );
    console.log(
      `  TAR ${(r01.tar * 100).toFixed(1)}% at FAR ≤ 0.1% (threshold ${r01.threshold.toFixed(3)}, FAR ${(r01.far * 100).toFixed(2)}%)`,
    );
    const tarC = g.filter((x) => x > VERIFY_THRESHOLD).length / g.length;
    const farC = i.filter((x) => x > VERIFY_THRESHOLD).length / i.length;
    console.log(
      `  VERIFY_THRESHOLD ${VERIFY_THRESHOLD}: TAR ${(tarC * 100).toFixed(1)}%, FAR ${(farC * 100).toFixed(2)}%`,
    );
    return { r1, r01 };
  };
  if (genuine.length === 0 || impostor.length === 0) {
    console.log('no evaluated pairs (EVAL_ONLY): verification skipped');
    console.log(`\n${machineLine(judged, Number.NaN, Number.NaN)}`);
    return;
  }
  const { VERIFY_THRESHOLD } = await import('../src/photo/verify.js');
  const strict = report(
    `all ${genuine.length + impostor.length} pairs (${noEmbedding} with an undescribed photo scored -1)`,
    genuine,
    impostor,
  );
  report('pairs where both photos were described', genuineBoth, impostorBoth);
  const r1 = strict.r1;
  const r01 = strict.r01;

  console.log(`\n${machineLine(judged, r1.tar, r01.tar)}`);
}

const rate = (x: { k: number; n: number }) => (x.n === 0 ? Number.NaN : x.k / x.n);

function machineLine(s: Summary, tar1: number, tar01: number): string {
  return `flagged=${f2(rate(s.flagged))} false_fail=${f2(rate(s.falseFail))} review_rate=${f2(rate(s.review))} made=${f2(rate(s.made))} tar_far1=${f2(tar1)} tar_far01=${f2(tar01)}`;
}

/**
 * Issue 17's figures. Defect photos count for their folder's check; borderline labels (mild,
 * partial, policy-dependent) are shown apart and left out of the acceptance figures. Good photos:
 * portraits/, eyeglasses_no_reflection/, hair_accessory/, without tight_crop for the outcome rates.
 */
function printJudgement(
  rows: Row[],
  results: Map<string, Cached>,
  excused: (r: Row) => Set<CheckId>,
  cv: boolean,
): Summary {
  const all = summarise(rows, results, FOLDER_CHECKS, excused);
  console.log('\n== Judgement (95% Wilson intervals; borderline labels apart) ==');
  console.log(`flagged (defects, clear labels)     ${fmtRate(all.flagged.k, all.flagged.n)}`);
  console.log(`false_fail (good, head whole)       ${fmtRate(all.falseFail.k, all.falseFail.n)}`);
  console.log(`review_rate (good, head whole)      ${fmtRate(all.review.k, all.review.n)}`);
  console.log(`made (good, no tight/needs crop)    ${fmtRate(all.made.k, all.made.n)}`);
  const disputed = disputedLabels();
  const undisputed = summarise(
    rows.filter((r) => !disputed.has(r.file)),
    results,
    FOLDER_CHECKS,
    excused,
  );
  console.log(
    `without the ${disputed.size} photos whose labels bench/disputed-labels.tsv disputes: flagged ${fmtRate(undisputed.flagged.k, undisputed.flagged.n)}, false_fail ${fmtRate(undisputed.falseFail.k, undisputed.falseFail.n)}, review_rate ${fmtRate(undisputed.review.k, undisputed.review.n)}, made ${fmtRate(undisputed.made.k, undisputed.made.n)}`,
  );
  for (const [file, d] of disputed) {
    const what = [d.lacks.length ? `lacks ${d.lacks.join(', ')}` : '', d.not.length ? `not ${d.not.join(', ')}` : '']
      .filter(Boolean)
      .join('; ');
    console.log(`  ${file}: ${what} (${d.shows})`);
  }

  const flaggedBy = (r: Row, ids: CheckId[]) =>
    results.get(r.file)!.report.some((c) => ids.includes(c.id) && (c.status === 'warn' || c.status === 'fail'));
  console.log('\n-- per defect class: flagged by its check (clear labels | borderline) --');
  const folders = [...new Set(rows.map(defectFolder).filter((f): f is string => !!f && !!FOLDER_CHECKS[f]))].sort();
  for (const f of folders) {
    const ids = FOLDER_CHECKS[f]!;
    const rs = rows.filter((r) => defectFolder(r) === f);
    const clear = rs.filter((r) => !isBorderline(r));
    const border = rs.filter(isBorderline);
    const k = clear.filter((r) => flaggedBy(r, ids)).length;
    const missed = clear.filter((r) => !flaggedBy(r, ids)).length;
    const mark = clear.length >= 10 ? (k / clear.length >= 0.75 ? ' ' : '<') : ' ';
    console.log(
      `${mark}${f.padEnd(28)} ${ids.join('|').padEnd(30)} ${fmtRate(k, clear.length).padEnd(24)} | ${fmtRate(border.filter((r) => flaggedBy(r, ids)).length, border.length).padEnd(22)} missed ${missed}`,
    );
  }

  // Good photos: each check's fails and warns, and its share of the review load (photos sent to
  // review on which it warned; a photo can warn on several).
  const good = rows.filter((r) => countsForReview(r) && results.has(r.file));
  const outcomes = new Map(good.map((r) => [r.file, goodOutcome(results.get(r.file)!, excused(r))]));
  const inReview = good.filter((r) => outcomes.get(r.file) === 'review');
  console.log(
    `\n-- per check: recall on its defect photos (clear labels); on ${good.length} good photos: fails, warns, share of the ${inReview.length} reviews --`,
  );
  const ids = [...new Set(Object.values(FOLDER_CHECKS).flat())];
  for (const c of results.values()) for (const e of c.report) if (!ids.includes(e.id)) ids.push(e.id);
  for (const id of ids) {
    const pos = rows.filter((r) => {
      const f = defectFolder(r);
      return f && FOLDER_CHECKS[f]?.[0] === id && !isBorderline(r);
    });
    const st = (r: Row) => results.get(r.file)!.report.find((e) => e.id === id)?.status;
    const gs = good.filter((r) => !excused(r).has(id));
    const reviewShare = inReview.filter((r) => !excused(r).has(id) && st(r) === 'warn').length;
    console.log(
      `${id.padEnd(20)} recall ${fmtRate(pos.filter((r) => st(r) === 'warn' || st(r) === 'fail').length, pos.length).padEnd(24)} good fail ${String(gs.filter((r) => st(r) === 'fail').length).padStart(3)}  warn ${String(gs.filter((r) => st(r) === 'warn').length).padStart(3)}  review load ${inReview.length ? ((100 * reviewShare) / inReview.length).toFixed(0).padStart(3) : '  -'}%`,
    );
  }
  // Each reviewed good photo and what sent it there: the review load, photo by photo.
  console.log('\n-- good photos sent to review (file: warning checks) --');
  for (const r of inReview) {
    const warns = results
      .get(r.file)!
      .report.filter((c) => c.status === 'warn' && !excused(r).has(c.id))
      .map((c) => `${c.id}=${c.value === null ? 'learned' : Number(c.value.toFixed(2))}`);
    console.log(`${r.file}: ${warns.join(' ')}`);
  }
  const refused = good.filter((r) => outcomes.get(r.file) === 'fail');
  if (refused.length) {
    console.log('\n-- good photos refused (file: failing checks, or not made) --');
    for (const r of refused) {
      const res = results.get(r.file)!;
      const fails = res.report
        .filter((c) => c.status === 'fail' && !excused(r).has(c.id))
        .map((c) => `${c.id}=${c.value}`);
      console.log(`${r.file}: ${res.made ? '' : 'not made; '}${fails.join(' ') || '-'}`);
    }
  }

  if (cv) {
    // The learned checks of each fold never saw it (crossValidated above); the hand rules are the
    // same everywhere.
    const k = CV_FOLDS;
    const fold = groupedFolds(rows.filter(isJudged), k);
    console.log(`\n== Grouped ${k}-fold cross-validation (folds of whole source repositories) ==`);
    console.log(
      'each fold is judged by learned checks fitted and calibrated on the other four (scripts/train/learn.ts)',
    );
    console.log(
      `${'fold'.padEnd(5)} ${'repos'.padStart(5)} ${'photos'.padStart(6)} | flagged | false_fail | review | made`,
    );
    for (let f = 0; f < k; f++) {
      const rs = rows.filter((r) => fold.get(r.repo) === f);
      const s = summarise(rs, results, FOLDER_CHECKS, excused);
      const repos = new Set(rs.map((r) => r.repo)).size;
      console.log(
        `${String(f + 1).padEnd(5)} ${String(repos).padStart(5)} ${String(rs.length).padStart(6)} | ${fmtRate(s.flagged.k, s.flagged.n)} | ${fmtRate(s.falseFail.k, s.falseFail.n)} | ${fmtRate(s.review.k, s.review.n)} | ${fmtRate(s.made.k, s.made.n)}`,
      );
    }
  }
  return all;
}

await main();
