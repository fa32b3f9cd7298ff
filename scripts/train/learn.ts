// Training and calibration of the learned checks (src/photo/learned), one method for all of them:
//
// Model. Per check, an L2-regularised logistic regression over the standardised evidence
// (src/photo/learned/features.ts), positives weighted to balance the classes. Its evidence is
// either its own region of the photo (EVIDENCE) or every feature, whichever ranks the check's
// positives above good photos better out of fold (folds by source repository, inside the photos
// being fitted). Fitted by full-batch Adam from zero weights, a fixed number of steps:
// deterministic, so the seed only names the run.
// The regularisation strength is fixed beforehand (LAMBDA), not chosen on these photos.
//
// Labels. A photo is a positive for a check when its folder or any of its labels names one of the
// check's defects (a jewelry photo labelled heavy_makeup is a positive for make-up too); a
// borderline positive (mild, partial, policy-dependent) is left out of that check's training;
// every other photo with evidence is a negative.
//
// Operating points, for the whole report rather than per check or per photo. Two kinds of level:
// - A learned check adds to its hand rule: it sends to review what the rule passed, and never
//   refuses on its own (a refusal stays with the rules, which say why). Its levels are shares of
//   good photos in the upper tail of a normal fitted to the good photos' out-of-fold logits (folds
//   by source repository, so no repository is both fitted and scored): WARN_LEVELS.
// - A gate on a hand rule lets the rule's warn stand only where the photo is far enough out
//   (model.ts RuleGate). Where the check has a learned model, the gate reads the model's logit: such
//   rules warn on any of several measures and report only one of them as their value. Elsewhere it
//   reads the rule's value the way (higher, lower, or farther from the good photos' median) that
//   best ranks the check's defect photos above good photos. The levels lie between consecutive
//   scores of the rule's warns here. Not gated: the spec's own rules (SPEC_RULES), a
//   rule no defect photo here speaks for, fails, and warns on what could not be measured.
// Starting from no learned warn and no gated warn, the levels are opened greedily: each step takes
// the move (any check, any further level) that flags the most more defect photos of the acceptance
// figures (a folder's checks warn or fail; borderline labels apart) per good photo it adds to
// review, while the good photos in review stay within REVIEW_BUDGET of them above what the fixed
// warns (spec rules, unmeasured values) cause. A gate no step opened lets none of its warns stand:
// they caught no defect photo here that a fail or another level had not, and a warn that catches
// nothing has no claim on a reviewer's time, even where it reached no good photo here (held-out
// folds showed such warns reaching good photos of other sources: dark skin on white as backlight).
//
// Honest figures. The cross-validated figures fit the model on four folds, choose the operating
// points on out-of-fold logits inside those four (three fitted, one scored, in turn), and score
// the fifth: nothing of the fifth fold is seen.
import { type Cached, disputedLabels } from '../../bench/eval-cache.js';
import {
  countsForReview,
  defectFolder,
  type EvalRow,
  excused,
  FOLDER_CHECKS,
  groupedFolds,
  isBorderline,
  isGood,
  isJudged,
} from '../../bench/eval-stats.js';
import { median } from '../../bench/measure.js';
import type { CheckId, CheckStatus } from '../../src/domain/checks.js';
import type { Features } from '../../src/photo/learned/features.js';
import {
  type Calibration,
  EVIDENCE_SETS,
  type EvidenceSet,
  GATE_DIRECTIONS,
  type GateDirection,
  gateScore,
  type LearnedCheck,
  type RuleGate,
} from '../../src/photo/learned/model.js';

/** The defects (folder names, label tokens) each learned check answers for. Covered ears are not
 *  learned: with ten clear photos a model over all the evidence found nothing held-out folds kept
 *  (0/10 flagged); the ears rule reads its own measure (measures.ts earHair) and is gated. */
export const LEARNED: Partial<Record<CheckId, string[]>> = {
  'expression.neutral': ['non_neutral_expression'],
  'mouth.closed': ['mouth_open'],
  'makeup.heavy': ['heavy_makeup'],
  'jewelry.earrings': ['jewelry'],
  'hair.eyebrows': ['hair_over_eyebrows'],
  'hair.eyes': ['hair_over_eyes'],
  'face.occlusion': ['face_mask', 'hand_over_face'],
  'head.covering': ['hat', 'head_covering', 'sunglasses_on_head'],
  'background.uniform': ['busy_background'],
  'image.sharpness': ['low_resolution', 'blurry'],
  'light.uneven': ['uneven_lighting'],
  'light.exposure': ['dark', 'overexposed'],
  'glasses.tinted': ['tinted_glasses', 'sunglasses'],
  'glasses.reflection': ['glasses_reflection'],
};

/** Grid cells of the aligned crop (features.ts: `crop.<row>.<col>.*`, 10 rows of 64 px, 8 columns
 *  of 60 px) over [row0, row1] × [col0, col1], inclusive. The spec puts the crown at 50–110 px,
 *  the eyes at 200–300 px and a face 180–300 px wide in the middle, so rows 0–2 hold the head top,
 *  rows 3–5 at the outer columns the ears, rows 5–6 the mouth and rows 7–9 the neck. */
const cells = (rows: [number, number], cols: [number, number]): RegExp =>
  new RegExp(`^crop\\.[${rows[0]}-${rows[1]}]\\.[${cols[0]}-${cols[1]}]\\.`);

/**
 * Each learned check's own region: its part of the crop and of RVM's map, the hand measures of
 * that part of the face and the rules that speak of it. A model over every feature learns what
 * told the sources apart (a repository of hats shot on one wall) as readily as the defect; a
 * region-bound model can only learn what its part of the photo shows, but misses what lies
 * elsewhere (make-up and earrings go with who wears them). Training chooses between the two per
 * check on held-out repositories (selectEvidence).
 */
/** The brow and eye band seen from above (hair over the eyebrows or the eyes). */
const BROW_BAND = [/^m\.eyeRegion\./, /^m\.mouth\.browHeight/, /^m\.head\./, /^rvm\.(eyes|top)\./];
/** The light on the face (uneven light, exposure). */
const FACE_LIGHT = [/^m\.light\./, /^m\.skin\./, /^rule\.light\./, cells([2, 6], [1, 6])];
/** The lenses (tint, reflections). */
const LENSES = [/^m\.eyeRegion\./, /^rule\.(glasses|eyes)\./, /^rvm\.eyes\./, cells([3, 4], [2, 5])];

export const EVIDENCE: Partial<Record<CheckId, RegExp[]>> = {
  'expression.neutral': [
    /^face\.expression\./,
    /^m\.mouth\./,
    /^m\.skin\.mouth/,
    /^rvm\.(lower|eyes)\./,
    /^rule\.(expression|mouth|eyes)\./,
    cells([3, 6], [2, 5]),
  ],
  'mouth.closed': [
    /^face\.expression\./,
    /^m\.mouth\./,
    /^m\.skin\.(mouth|lip|lower)/,
    /^rvm\.lower\./,
    /^rule\.(expression|mouth)\./,
    cells([5, 6], [2, 5]),
  ],
  'makeup.heavy': [
    /^m\.skin\./,
    /^m\.eyeRegion\./,
    /^m\.image\.skinChroma/,
    /^rvm\.(eyes|lower)\./,
    /^rule\.makeup\./,
    cells([3, 6], [2, 5]),
  ],
  'jewelry.earrings': [
    /^m\.side\./,
    /^m\.eyes\.ear/,
    /^rvm\.(earL|earR|neck)\./,
    /^rule\.jewelry\./,
    cells([3, 6], [0, 2]),
    cells([3, 6], [5, 7]),
    cells([7, 9], [1, 6]),
  ],
  'hair.eyebrows': [...BROW_BAND, /^rule\.hair\./, cells([1, 4], [2, 5])],
  'hair.eyes': [...BROW_BAND, /^rule\.(hair|eyes)\./, cells([2, 4], [2, 5])],
  'face.occlusion': [
    /^m\.skin\./,
    /^face\.(hand|score|real)/,
    /^rvm\.(lower|neck|eyes)\./,
    /^rule\.face\.occlusion/,
    cells([3, 8], [1, 6]),
  ],
  'head.covering': [
    /^m\.head\./,
    /^m\.enclosure\./,
    /^rvm\.(top|earL|earR)\./,
    /^rule\.(head|hair)\./,
    cells([0, 3], [1, 6]),
  ],
  'background.uniform': [
    /^bg\./,
    /^m\.light\.background/,
    /^rvm\.(side|all)\./,
    /^rule\.background/,
    cells([0, 9], [0, 0]),
    cells([0, 9], [7, 7]),
    cells([0, 0], [0, 7]),
  ],
  'image.sharpness': [
    /^m\.image\./,
    /^rule\.(image|face\.resolution)\./,
    /^rvm\.(eyes|lower)\./,
    cells([2, 6], [2, 5]),
  ],
  'light.uneven': FACE_LIGHT,
  'light.exposure': FACE_LIGHT,
  'glasses.tinted': LENSES,
  'glasses.reflection': LENSES,
};

export const LAMBDA = Number(process.env.TRAIN_LAMBDA ?? 0.05);
/** Feature names the models read (prefix match); TRAIN_FEATURES overrides for experiments. */
export const FEATURE_PREFIXES = (process.env.TRAIN_FEATURES ?? 'm.,bg.,rule.,face.,crop.,rvm.').split(',');
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
  /** The hand rules' values (the gates read them). */
  values?: Partial<Record<CheckId, number>>;
}

/** The photos with evidence (a face was found and checked) among the judged folders, but for those
 *  whose label is disputed (bench/disputed-labels.tsv). */
export function toSamples(rows: EvalRow[], cached: Map<string, Cached>): Sample[] {
  const out: Sample[] = [];
  const disputed = disputedLabels();
  for (const r of rows) {
    if (!isJudged(r) || disputed.has(r.file)) continue;
    const evidence = cached.get(r.file)?.evidence;
    if (!evidence?.features) continue;
    const rules = Object.fromEntries(evidence.ruleReport.map((e) => [e.id, e.status]));
    const values = Object.fromEntries(evidence.ruleReport.filter((e) => e.value !== null).map((e) => [e.id, e.value!]));
    out.push({
      file: r.file,
      repo: r.repo,
      labels: r.labels,
      good: isGood(r),
      features: evidence.features,
      rules,
      values,
    });
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

export type EvidenceChoice = Partial<Record<CheckId, EvidenceSet>>;
/** Per check, the out-of-fold AUC of each evidence set (its positives over good photos). */
export type EvidenceAuc = Partial<Record<CheckId, Record<EvidenceSet, number>>>;

function fitModels(samples: Sample[], choice: EvidenceChoice): Fitted {
  const m = standardiser(samples);
  const models: Fitted['models'] = {};
  for (const [id, defects] of Object.entries(LEARNED) as [CheckId, string[]][]) {
    const used = samples.filter((s) => target(s, defects) !== null);
    // The check's chosen evidence only: its columns fitted, every other weight 0.
    const region = (choice[id] ?? 'region') === 'region' ? EVIDENCE[id] : undefined;
    const cols = m.names.flatMap((k, j) => (!region || region.some((re) => re.test(k)) ? [j] : []));
    const sub: Matrix = {
      names: cols.map((j) => m.names[j]!),
      mean: Float64Array.from(cols, (j) => m.mean[j]!),
      scale: Float64Array.from(cols, (j) => m.scale[j]!),
    };
    const y = Uint8Array.from(used, (s) => target(s, defects)!);
    const fit = fitLogistic(design(used, sub), y, cols.length);
    const w = new Float64Array(m.names.length);
    cols.forEach((j, i) => {
      w[j] = fit.w[i]!;
    });
    models[id] = { w, b: fit.b };
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

type Logits = Map<string, Partial<Record<CheckId, number>>>;

/** Out-of-fold logits of `samples` over its own folds (each fold scored by a model fitted on the others). */
export function outOfFold(
  samples: Sample[],
  fold: (s: Sample) => number,
  folds: number[],
  choice: EvidenceChoice = {},
): Logits {
  const out: Logits = new Map();
  for (const k of folds) {
    const train = samples.filter((s) => fold(s) !== k);
    const test = samples.filter((s) => fold(s) === k);
    if (test.length === 0) continue;
    for (const [f, z] of logits(fitModels(train, choice), test)) out.set(f, z);
  }
  return out;
}

/** Out-of-fold AUC of a check's logits: its positives over the good photos that are not. */
function checkAuc(samples: Sample[], oof: Logits, id: CheckId): number {
  const z = (s: Sample) => oof.get(s.file)?.[id];
  const pos = samples.filter((s) => target(s, LEARNED[id]!) === 1).map(z);
  const neg = samples.filter((s) => s.good && target(s, LEARNED[id]!) === 0).map(z);
  return auc(
    pos.filter((v): v is number => v !== undefined),
    neg.filter((v): v is number => v !== undefined),
  );
}

/**
 * Per check, the evidence set whose out-of-fold logits over `folds` rank its positives above good
 * photos best (AUC; ties: the region), and those logits: the choice is made on the photos being
 * fitted, folds by source repository, so the cross-validated figures stay honest.
 */
export function selectEvidence(
  samples: Sample[],
  fold: (s: Sample) => number,
  folds: number[],
): { choice: EvidenceChoice; oof: Logits; auc: EvidenceAuc } {
  const runs = EVIDENCE_SETS.map((set) => {
    const choice = Object.fromEntries(Object.keys(LEARNED).map((id) => [id, set])) as EvidenceChoice;
    return { set, oof: outOfFold(samples, fold, folds, choice) };
  });
  const choice: EvidenceChoice = {};
  const oof: Logits = new Map();
  const aucs: EvidenceAuc = {};
  for (const id of Object.keys(LEARNED) as CheckId[]) {
    const a = runs.map((r) => checkAuc(samples, r.oof, id));
    let best = 0;
    for (let i = 1; i < runs.length; i++) if (a[i]! > a[best]!) best = i;
    choice[id] = runs[best]!.set;
    aucs[id] = Object.fromEntries(runs.map((r, i) => [r.set, Math.round(a[i]! * 1000) / 1000])) as Record<
      EvidenceSet,
      number
    >;
    for (const [f, z] of runs[best]!.oof) oof.set(f, { ...oof.get(f), [id]: z[id] });
  }
  return { choice, oof, auc: aucs };
}

/** The spec's own rules (photo-spec.md: the 10° pose rule, the pixel bands, the frame, the file) and
 *  the face count: hand-written constants, never gated. */
export const SPEC_RULES: readonly CheckId[] = [
  'pose.yaw',
  'pose.pitch',
  'pose.roll',
  'face.resolution',
  'face.count',
  'layout.margin',
  'layout.geometry',
  'file.size',
];

/** One sample's stake in the report's figures, for the checks whose levels are being chosen. */
interface Stake {
  /** A good photo counts against the review budget; a positive towards the flagged share. */
  kind: 'good' | 'positive';
  /** Reviewed (good) or flagged (positive) whatever the levels: a warn no level can change, or a fail. */
  fixed: boolean;
  /** Per check: the gate score of the rule's warn (null: the rule did not warn, or is not gated)
   *  and the learned logit (null: the rule failed, or no model). */
  entries: { id: CheckId; gate: number | null; z: number | null }[];
}

/** Rank-sum AUC of `pos` over `neg` (ties count half). */
function auc(pos: number[], neg: number[]): number {
  if (pos.length === 0 || neg.length === 0) return 0.5;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** The checks a clear defect photo's folder must trigger (null: not a clear positive). */
function positiveChecks(s: Sample): CheckId[] | null {
  if (s.good || isBorderline(s)) return null;
  const folder = defectFolder(s);
  return (folder && FOLDER_CHECKS[folder]) || null;
}

type Shape = Pick<RuleGate, 'direction' | 'centre'>;

/** Each gated rule's reading: its learned model where it has one (a rule may warn on any of several
 *  measures, its value being one of them), else the reading of its value that best ranks its defect
 *  photos above good photos (AUC; ties: high, low, far). Rules with no defect photo here stay as
 *  written. */
function gateShapes(samples: Sample[]): Map<CheckId, Shape> {
  const ids = new Set<CheckId>();
  for (const s of samples) for (const id of Object.keys(s.values ?? {}) as CheckId[]) ids.add(id);
  const out = new Map<CheckId, Shape>();
  for (const id of [...ids].sort()) {
    if (SPEC_RULES.includes(id)) continue;
    const pos = samples.filter((s) => positiveChecks(s)?.includes(id) && s.values?.[id] !== undefined);
    const good = samples.filter((s) => countsForReview(s) && s.values?.[id] !== undefined);
    if (pos.length === 0 || good.length === 0) continue;
    if (LEARNED[id]) {
      out.set(id, { direction: 'model', centre: 0 });
      continue;
    }
    const centre = median(good.map((s) => s.values![id]!));
    let best: { direction: GateDirection; auc: number } | null = null;
    for (const direction of GATE_DIRECTIONS) {
      const score = (s: Sample) => gateScore({ direction, centre }, s.values![id]!);
      const a = auc(pos.map(score), good.map(score));
      if (!best || a > best.auc) best = { direction, auc: a };
    }
    out.set(id, { direction: best!.direction, centre });
  }
  return out;
}

export interface OperatingPoints {
  gates: Partial<Record<CheckId, RuleGate>>;
  learned: Partial<Record<CheckId, { warn: number | null; share: number }>>;
}

/**
 * The operating points of the whole report (module comment): rule gates and learned warn levels
 * chosen together, greedily, for the most defect photos flagged per good photo sent to review, on
 * the given photos (the learned checks' logits out of fold).
 */
export function operatingPoints(
  samples: Sample[],
  oof: Map<string, Partial<Record<CheckId, number>>>,
): OperatingPoints {
  const shapes = gateShapes(samples);
  const learnedIds = Object.keys(LEARNED) as CheckId[];
  // The learned levels: upper-tail shares of a normal fitted to the good photos' out-of-fold logits.
  const normal = new Map<CheckId, { mu: number; sd: number }>();
  for (const id of learnedIds) {
    const z = samples.filter((s) => s.good && target(s, LEARNED[id]!) === 0).map((s) => oof.get(s.file)?.[id]);
    const v = z.filter((x): x is number => x !== undefined);
    const mu = v.reduce((a, x) => a + x, 0) / Math.max(1, v.length);
    const sd = Math.sqrt(v.reduce((a, x) => a + (x - mu) ** 2, 0) / Math.max(1, v.length - 1)) || 1;
    normal.set(id, { mu, sd });
  }
  const learnedAt = (id: CheckId, share: number) =>
    share === 0 ? Number.POSITIVE_INFINITY : normal.get(id)!.mu + normal.get(id)!.sd * normalQuantile(1 - share);

  const stakes: Stake[] = [];
  for (const s of samples) {
    const pos = positiveChecks(s);
    if (!countsForReview(s) && !pos) continue;
    const ex = s.good ? excused(s) : new Set<CheckId>();
    // A good photo refused by a rule is a false fail, not a review: no level changes it.
    if (s.good && (Object.keys(s.rules) as CheckId[]).some((id) => s.rules[id] === 'fail' && !ex.has(id))) continue;
    const ids = pos ?? (Object.keys(s.rules) as CheckId[]).concat(learnedIds.filter((id) => !(id in s.rules)));
    let fixed = false;
    const entries: Stake['entries'] = [];
    for (const id of new Set(ids)) {
      if (ex.has(id)) continue;
      const status = s.rules[id] ?? 'pass';
      const value = s.values?.[id];
      // A positive its folder's rule fails is flagged whatever the levels.
      if (status === 'fail') {
        fixed = true;
        continue;
      }
      const shape = shapes.get(id);
      if (status === 'warn' && (!shape || value === undefined)) fixed = true;
      const z = LEARNED[id] ? (oof.get(s.file)?.[id] ?? null) : null;
      const gate =
        status !== 'warn' || !shape || value === undefined
          ? null
          : shape.direction === 'model'
            ? z
            : gateScore({ direction: shape.direction, centre: shape.centre }, value);
      // A model gate without the model's reading cannot speak against the rule.
      if (status === 'warn' && shape?.direction === 'model' && z === null) fixed = true;
      if (gate !== null || z !== null) entries.push({ id, gate, z });
    }
    stakes.push({ kind: pos ? 'positive' : 'good', fixed, entries });
  }

  // Candidate levels per check, from none to all: a gate between consecutive distinct scores of
  // the rule's warns here; a learned check at its WARN_LEVELS shares.
  const gateLevels = new Map<CheckId, number[]>();
  for (const id of shapes.keys()) {
    const scores = [
      ...new Set(stakes.flatMap((k) => k.entries.filter((e) => e.id === id && e.gate !== null).map((e) => e.gate!))),
    ].sort((a, b) => b - a);
    const levels = [Number.POSITIVE_INFINITY];
    for (let i = 0; i + 1 < scores.length; i++) levels.push((scores[i]! + scores[i + 1]!) / 2);
    levels.push(Number.NEGATIVE_INFINITY);
    gateLevels.set(id, levels);
  }
  const shares = [0, ...WARN_LEVELS];
  const gIdx = new Map<CheckId, number>([...gateLevels.keys()].map((id) => [id, 0]));
  const lIdx = new Map<CheckId, number>(learnedIds.map((id) => [id, 0]));

  const figures = (): { flagged: number; reviewed: number } => {
    let flagged = 0;
    let reviewed = 0;
    for (const k of stakes) {
      let on = k.fixed;
      for (const e of k.entries) {
        if (on) break;
        const g = gIdx.get(e.id);
        if (e.gate !== null && g !== undefined && e.gate >= gateLevels.get(e.id)![g]!) on = true;
        const l = lIdx.get(e.id);
        if (e.z !== null && l !== undefined && e.z >= learnedAt(e.id, shares[l]!)) on = true;
      }
      if (on && k.kind === 'positive') flagged++;
      if (on && k.kind === 'good') reviewed++;
    }
    return { flagged, reviewed };
  };

  // The budget is what the chosen levels add to the review the fixed warns (the spec's rules, what
  // could not be measured) already cause.
  const base = figures();
  const goods = stakes.filter((k) => k.kind === 'good').length;
  const budget = base.reviewed + Math.floor(REVIEW_BUDGET * goods + 1e-9);

  type Move = { map: Map<CheckId, number>; id: CheckId; j: number; df: number; dr: number };
  const better = (a: Move, b: Move | null) => {
    if (!b) return true;
    const ra = a.dr === 0 ? Number.POSITIVE_INFINITY : a.df / a.dr;
    const rb = b.dr === 0 ? Number.POSITIVE_INFINITY : b.df / b.dr;
    return ra !== rb ? ra > rb : a.df > b.df;
  };
  for (;;) {
    const now = figures();
    let best: Move | null = null;
    for (const [map, count] of [
      [gIdx, (id: CheckId) => gateLevels.get(id)!.length],
      [lIdx, () => shares.length],
    ] as const) {
      for (const id of map.keys()) {
        const at = map.get(id)!;
        for (let j = at + 1; j < count(id); j++) {
          map.set(id, j);
          const f = figures();
          map.set(id, at);
          if (f.reviewed > budget || f.flagged <= now.flagged) continue;
          const move = { map, id, j, df: f.flagged - now.flagged, dr: f.reviewed - now.reviewed };
          if (better(move, best)) best = move;
        }
      }
    }
    if (!best) break;
    best.map.set(best.id, best.j);
  }
  const gates: OperatingPoints['gates'] = {};
  for (const [id, shape] of shapes) {
    const level = gateLevels.get(id)![gIdx.get(id)!]!;
    // All warns standing is the rule as written: no gate.
    if (level === Number.NEGATIVE_INFINITY) continue;
    gates[id] = { ...shape, warn: level === Number.POSITIVE_INFINITY ? null : level };
  }
  const learned: OperatingPoints['learned'] = {};
  for (const id of learnedIds) {
    const share = shares[lIdx.get(id)!]!;
    learned[id] = { warn: share > 0 ? learnedAt(id, share) : null, share };
  }
  return { gates, learned };
}

function calibration(
  f: Fitted,
  { choice, auc }: { choice: EvidenceChoice; auc: EvidenceAuc },
  points: OperatingPoints,
  manifest: string,
  cv: unknown,
): Calibration {
  const checks: Partial<Record<CheckId, LearnedCheck>> = {};
  const r = (v: number) => Math.round(v * 1e5) / 1e5;
  for (const [id, model] of Object.entries(f.models) as [CheckId, { w: Float64Array; b: number }][]) {
    const p = points.learned[id]!;
    // A check that gains nothing inside the budget stays off; its weights are kept for the record.
    checks[id] = {
      weights: [...model.w].map(r),
      bias: r(model.b),
      warn: p.warn === null ? null : r(p.warn),
      share: p.share,
      evidence: choice[id] ?? 'region',
      auc: auc[id],
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
    rules: Object.fromEntries(
      Object.entries(points.gates).map(([id, g]) => [
        id,
        { direction: g.direction, centre: r(g.centre), warn: g.warn === null ? null : r(g.warn) },
      ]),
    ),
    cv,
  };
}

export const METHOD =
  `per check an L2 logistic regression (lambda ${LAMBDA}, balanced classes, ${STEPS} Adam steps) on standardised evidence, ` +
  `its own region's or all of it, whichever has the higher out-of-fold AUC of its positives over good photos, ` +
  `warn only, added to the hand rule, its warn levels upper-tail shares of a normal fitted to out-of-fold logits of good ` +
  `photos (folds by source repository); gates on the hand rules' warns (not the spec's rules: ${SPEC_RULES.join(', ')}), ` +
  `reading the check's model logit where it has one, else the rule's value the way that best ranks the check's defect ` +
  `photos above good photos; learned levels and gates chosen ` +
  `together, greedily, for the most defect photos flagged per good photo sent to review, within ${REVIEW_BUDGET * 100}% of ` +
  `good photos added to the review the fixed warns cause; a gate no step opened lets none of its warns stand`;

/** The shipped calibration: fitted on every sample, operating points from out-of-fold logits over the k folds. */
export function trainAll(
  samples: Sample[],
  fold: (s: Sample) => number,
  k: number,
  manifest: string,
  cv: unknown,
): Calibration {
  const folds = Array.from({ length: k }, (_, i) => i);
  const { choice, oof, auc } = selectEvidence(samples, fold, folds);
  return calibration(fitModels(samples, choice), { choice, auc }, operatingPoints(samples, oof), manifest, cv);
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
    const { choice, oof, auc } = selectEvidence(train, fold, inner);
    const cal = calibration(fitModels(train, choice), { choice, auc }, operatingPoints(train, oof), manifest, null);
    for (const s of samples) if (fold(s) === held) out.set(s.file, cal);
  }
  return out;
}
