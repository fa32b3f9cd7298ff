// Training and calibration of the learned checks (src/photo/learned), one method for all of them:
//
// Model. Per check, an L2-regularised logistic regression over the standardised evidence
// (src/photo/learned/features.ts), positives weighted to balance the classes. Fitted by full-batch
// Adam from zero weights, a fixed number of steps: deterministic, so the seed only names the run.
// The regularisation strength is fixed beforehand (LAMBDA), not chosen on these photos.
//
// Labels. A photo is a positive for a check when its folder or any of its labels names one of the
// check's defects (a jewelry photo labelled heavy_makeup is a positive for make-up too); a
// borderline positive (mild, partial, policy-dependent) is left out of that check's training;
// every other photo with evidence is a negative.
//
// Operating points, for the whole report rather than per photo. A learned check adds to its hand
// rule: it sends to review what the rule passed, and never refuses on its own (a refusal stays
// with the spec's rules, which say why). On out-of-fold logits of the good photos (folds by source
// repository, so no repository is both fitted and scored), each check's logits are fitted by a
// normal, and a warn level is a share of good photos in its upper tail (WARN_LEVELS). Levels are
// raised greedily, each step taking the check whose next level gains the most out-of-fold
// positives the rule missed per share of good photos sent to review, until the learned checks'
// shares add up to REVIEW_BUDGET.
//
// Honest figures. The cross-validated figures fit the model on four folds, choose the operating
// points on out-of-fold logits inside those four (three fitted, one scored, in turn), and score
// the fifth: nothing of the fifth fold is seen.
import type { Cached } from '../../bench/eval-cache.js';
import { type EvalRow, groupedFolds, isBorderline, isGood, isJudged } from '../../bench/eval-stats.js';
import type { CheckId, CheckStatus } from '../../src/domain/checks.js';
import type { Features } from '../../src/photo/learned/features.js';
import type { Calibration, LearnedCheck } from '../../src/photo/learned/model.js';

/** The defects (folder names, label tokens) each learned check answers for. */
export const LEARNED: Partial<Record<CheckId, string[]>> = {
  'expression.neutral': ['non_neutral_expression'],
  'mouth.closed': ['mouth_open'],
  'makeup.heavy': ['heavy_makeup'],
  'jewelry.earrings': ['jewelry'],
  'hair.eyebrows': ['hair_over_eyebrows'],
  'hair.eyes': ['hair_over_eyes'],
  'face.occlusion': ['face_mask', 'hand_over_face'],
  'head.covering': ['hat', 'head_covering', 'sunglasses_on_head'],
  'ears.visible': ['ears_covered'],
  'background.uniform': ['busy_background'],
};

export const LAMBDA = Number(process.env.TRAIN_LAMBDA ?? 0.05);
/** Feature names the models read (prefix match); TRAIN_FEATURES overrides for experiments. */
export const FEATURE_PREFIXES = (process.env.TRAIN_FEATURES ?? 'm.,bg.,rule.,face.,crop.').split(',');
export const STEPS = 300;
export const SEED = 17;
/** Folds of whole source repositories, for training and for the eval's --cv. */
export const CV_FOLDS = 5;
/** Share of good photos all learned checks together may send to review. */
export const REVIEW_BUDGET = 0.05;
const WARN_LEVELS = [0.0025, 0.005, 0.01, 0.02, 0.03, 0.05];

export interface Sample {
  file: string;
  repo: string;
  labels: string;
  good: boolean;
  features: Features;
  /** The hand rules' statuses before the learned checks. */
  rules: Partial<Record<CheckId, CheckStatus>>;
}

/** The photos with evidence (a face was found and checked) among the judged folders. */
export function toSamples(rows: EvalRow[], cached: Map<string, Cached>): Sample[] {
  const out: Sample[] = [];
  for (const r of rows) {
    if (!isJudged(r)) continue;
    const evidence = cached.get(r.file)?.evidence;
    if (!evidence?.features) continue;
    const rules = Object.fromEntries(evidence.ruleReport.map((e) => [e.id, e.status]));
    out.push({ file: r.file, repo: r.repo, labels: r.labels, good: isGood(r), features: evidence.features, rules });
  }
  return out;
}

/** The eval's folds (grouped by source repository over the judged folders), as a sample → fold map. */
export function foldOf(rows: EvalRow[], k: number): (s: { repo: string }) => number {
  const folds = groupedFolds(rows.filter(isJudged), k);
  return (s) => folds.get(s.repo) ?? 0;
}

function tokens(s: Sample): Set<string> {
  const t = new Set(s.labels.split(';').map((l) => l.split(/[(=]/)[0]!.trim()));
  const folder = /^defects\/([^/]+)\//.exec(s.file)?.[1];
  if (folder) t.add(folder);
  return t;
}

/** 1 positive, 0 negative, null left out of this check's training. */
export function target(s: Sample, defects: string[]): 0 | 1 | null {
  const t = tokens(s);
  if (!defects.some((d) => t.has(d))) return 0;
  return isBorderline(s) ? null : 1;
}

interface Matrix {
  names: string[];
  mean: Float64Array;
  scale: Float64Array;
}

/** Feature names present in most samples, and their mean and spread over `samples`. */
function standardiser(samples: Sample[]): Matrix {
  const count = new Map<string, number>();
  for (const s of samples) for (const k of Object.keys(s.features)) count.set(k, (count.get(k) ?? 0) + 1);
  const names = [...count.entries()]
    .filter(([k, n]) => n >= samples.length / 2 && FEATURE_PREFIXES.some((p) => k.startsWith(p)))
    .map(([k]) => k)
    .sort();
  const mean = new Float64Array(names.length);
  const scale = new Float64Array(names.length);
  names.forEach((k, j) => {
    let s1 = 0;
    let s2 = 0;
    let n = 0;
    for (const s of samples) {
      const v = s.features[k];
      if (v === undefined) continue;
      s1 += v;
      s2 += v * v;
      n++;
    }
    mean[j] = s1 / Math.max(1, n);
    const sd = Math.sqrt(Math.max(0, s2 / Math.max(1, n) - mean[j]! ** 2));
    scale[j] = sd > 1e-9 ? sd : 1;
  });
  return { names, mean, scale };
}

function design(samples: Sample[], m: Matrix): Float64Array {
  const d = m.names.length;
  const X = new Float64Array(samples.length * d);
  samples.forEach((s, i) => {
    for (let j = 0; j < d; j++) {
      const v = s.features[m.names[j]!];
      // Missing: the mean (0 once standardised). Clipped: one odd photo must not dominate a weight.
      X[i * d + j] = v === undefined ? 0 : Math.max(-6, Math.min(6, (v - m.mean[j]!) / m.scale[j]!));
    }
  });
  return X;
}

/** Weighted L2 logistic regression by Adam; returns weights and bias. */
function fitLogistic(X: Float64Array, y: Uint8Array, d: number): { w: Float64Array; b: number } {
  const n = y.length;
  const pos = y.reduce((a, v) => a + v, 0);
  const wPos = pos > 0 ? n / (2 * pos) : 1;
  const wNeg = n - pos > 0 ? n / (2 * (n - pos)) : 1;
  const w = new Float64Array(d);
  let b = 0;
  const m = new Float64Array(d + 1);
  const v = new Float64Array(d + 1);
  const g = new Float64Array(d + 1);
  const lr = 0.05;
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= STEPS; t++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let z = b;
      const row = i * d;
      for (let j = 0; j < d; j++) z += w[j]! * X[row + j]!;
      const p = 1 / (1 + Math.exp(-z));
      const r = (p - y[i]!) * (y[i] ? wPos : wNeg);
      if (r === 0) continue;
      for (let j = 0; j < d; j++) g[j]! += r * X[row + j]!;
      g[d]! += r;
    }
    for (let j = 0; j <= d; j++) {
      const grad = g[j]! / n + (j < d ? LAMBDA * w[j]! : 0);
      m[j] = b1 * m[j]! + (1 - b1) * grad;
      v[j] = b2 * v[j]! + (1 - b2) * grad * grad;
      const step = (lr * (m[j]! / (1 - b1 ** t))) / (Math.sqrt(v[j]! / (1 - b2 ** t)) + eps);
      if (j < d) w[j]! -= step;
      else b -= step;
    }
  }
  return { w, b };
}

interface Fitted {
  m: Matrix;
  models: Partial<Record<CheckId, { w: Float64Array; b: number }>>;
}

function fitModels(samples: Sample[]): Fitted {
  const m = standardiser(samples);
  const models: Fitted['models'] = {};
  for (const [id, defects] of Object.entries(LEARNED) as [CheckId, string[]][]) {
    const used = samples.filter((s) => target(s, defects) !== null);
    const X = design(used, m);
    const y = Uint8Array.from(used, (s) => target(s, defects)!);
    models[id] = fitLogistic(X, y, m.names.length);
  }
  return { m, models };
}

function logits(f: Fitted, samples: Sample[]): Map<string, Partial<Record<CheckId, number>>> {
  const X = design(samples, f.m);
  const d = f.m.names.length;
  const out = new Map<string, Partial<Record<CheckId, number>>>();
  samples.forEach((s, i) => {
    const z: Partial<Record<CheckId, number>> = {};
    for (const [id, model] of Object.entries(f.models) as [CheckId, { w: Float64Array; b: number }][]) {
      let v = model.b;
      for (let j = 0; j < d; j++) v += model.w[j]! * X[i * d + j]!;
      z[id] = v;
    }
    out.set(s.file, z);
  });
  return out;
}

/** Standard normal quantile (Acklam's rational approximation; |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Out-of-fold logits of `samples` over its own folds (each fold scored by a model fitted on the others). */
export function outOfFold(
  samples: Sample[],
  fold: (s: Sample) => number,
  folds: number[],
): Map<string, Partial<Record<CheckId, number>>> {
  const out = new Map<string, Partial<Record<CheckId, number>>>();
  for (const k of folds) {
    const train = samples.filter((s) => fold(s) !== k);
    const test = samples.filter((s) => fold(s) === k);
    if (test.length === 0) continue;
    for (const [f, z] of logits(fitModels(train), test)) out.set(f, z);
  }
  return out;
}

/** The operating points (module comment) from out-of-fold logits. */
function operatingPoints(
  samples: Sample[],
  oof: Map<string, Partial<Record<CheckId, number>>>,
): Partial<Record<CheckId, { warn: number | null; share: number }>> {
  const ids = Object.keys(LEARNED) as CheckId[];
  const fitted = new Map<CheckId, { mu: number; sd: number; missed: number[] }>();
  for (const id of ids) {
    const defects = LEARNED[id]!;
    const z = (s: Sample) => oof.get(s.file)?.[id];
    const good = samples.filter((s) => s.good && target(s, defects) === 0 && z(s) !== undefined).map((s) => z(s)!);
    const missed = samples
      .filter((s) => target(s, defects) === 1 && (s.rules[id] ?? 'pass') === 'pass' && z(s) !== undefined)
      .map((s) => z(s)!);
    const mu = good.reduce((a, v) => a + v, 0) / Math.max(1, good.length);
    const sd = Math.sqrt(good.reduce((a, v) => a + (v - mu) ** 2, 0) / Math.max(1, good.length - 1)) || 1;
    fitted.set(id, { mu, sd, missed });
  }
  const at = (id: CheckId, share: number) => {
    const f = fitted.get(id)!;
    return f.mu + f.sd * normalQuantile(1 - share);
  };
  const caught = (id: CheckId, share: number) =>
    share === 0 ? 0 : fitted.get(id)!.missed.filter((z) => z >= at(id, share)).length;
  const level = new Map<CheckId, number>(ids.map((id) => [id, 0]));
  let spent = 0;
  for (;;) {
    let best: { id: CheckId; share: number; gain: number } | null = null;
    for (const id of ids) {
      const now = level.get(id)!;
      const next = WARN_LEVELS.find((l) => l > now);
      if (next === undefined || spent + next - now > REVIEW_BUDGET + 1e-12) continue;
      const gain = (caught(id, next) - caught(id, now)) / (next - now);
      if (!best || gain > best.gain) best = { id, share: next, gain };
    }
    if (!best || best.gain <= 0) break;
    spent += best.share - level.get(best.id)!;
    level.set(best.id, best.share);
  }
  const out: Partial<Record<CheckId, { warn: number | null; share: number }>> = {};
  for (const id of ids) out[id] = { warn: level.get(id)! > 0 ? at(id, level.get(id)!) : null, share: level.get(id)! };
  return out;
}

function calibration(
  f: Fitted,
  points: ReturnType<typeof operatingPoints>,
  manifest: string,
  cv: unknown,
): Calibration {
  const checks: Partial<Record<CheckId, LearnedCheck>> = {};
  const r = (v: number) => Math.round(v * 1e5) / 1e5;
  for (const [id, model] of Object.entries(f.models) as [CheckId, { w: Float64Array; b: number }][]) {
    const p = points[id]!;
    // A check that gains nothing inside the budget stays off; its weights are kept for the record.
    checks[id] = {
      weights: [...model.w].map(r),
      bias: r(model.b),
      warn: p.warn === null ? null : r(p.warn),
      share: p.share,
    };
  }
  return {
    manifest,
    method: METHOD,
    seed: SEED,
    features: f.m.names,
    mean: [...f.m.mean].map(r),
    // Clipping at ±6 sd (design) is part of the model: inference clips too.
    scale: [...f.m.scale].map(r),
    checks,
    cv,
  };
}

export const METHOD =
  `per check an L2 logistic regression (lambda ${LAMBDA}, balanced classes, ${STEPS} Adam steps) on standardised evidence; ` +
  `warn only, added to the hand rule; warn levels are upper-tail shares of a normal fitted to out-of-fold logits of good ` +
  `photos (folds by source repository), raised greedily for positives the rule missed per share of good photos reviewed, ` +
  `within ${REVIEW_BUDGET * 100}% of good photos for all learned checks`;

/** The shipped calibration: fitted on every sample, operating points from out-of-fold logits over the k folds. */
export function trainAll(
  samples: Sample[],
  fold: (s: Sample) => number,
  k: number,
  manifest: string,
  cv: unknown,
): Calibration {
  const folds = Array.from({ length: k }, (_, i) => i);
  const oof = outOfFold(samples, fold, folds);
  return calibration(fitModels(samples), operatingPoints(samples, oof), manifest, cv);
}

/**
 * For each fold, the calibration learned without it (model on the other folds, operating points
 * from out-of-fold logits inside them): the map gives each sample the calibration that never saw it.
 */
export function crossValidated(
  samples: Sample[],
  fold: (s: Sample) => number,
  k: number,
  manifest: string,
): Map<string, Calibration> {
  const out = new Map<string, Calibration>();
  for (let held = 0; held < k; held++) {
    const train = samples.filter((s) => fold(s) !== held);
    const inner = Array.from({ length: k }, (_, i) => i).filter((i) => i !== held);
    const cal = calibration(fitModels(train), operatingPoints(train, outOfFold(train, fold, inner)), manifest, null);
    for (const s of samples) if (fold(s) === held) out.set(s.file, cal);
  }
  return out;
}
