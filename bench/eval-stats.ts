// The judgement figures of the eval (issue 17): which photos count, how each is scored, and the
// folds grouped by source repository. Pure functions over the cached reports, so the figures are
// computed one way for the whole set, for each fold, and in tests.
import type { CheckId, CheckResult } from '../src/domain/checks.js';

/**
 * Defect folder → the check(s) that must flag it (fail or warn). The first id is the folder's own
 * check; a later id also counts when it is an equally right outcome (a 90°-rotated photo blocked
 * by the roll check or by "no face").
 */
export const FOLDER_CHECKS: Record<string, CheckId[]> = {
  backlit: ['light.backlit'],
  blurry: ['image.sharpness'],
  busy_background: ['background.uniform'],
  dark: ['light.exposure'],
  eyes_closed: ['eyes.open'],
  eyes_half_closed: ['eyes.open'],
  one_eye_closed: ['eyes.open'],
  face_mask: ['face.occlusion'],
  hand_over_face: ['face.occlusion'],
  face_partially_out_of_frame: ['layout.margin', 'face.occlusion'],
  gaze_averted: ['eyes.gaze'],
  glasses_reflection: ['glasses.reflection'],
  grayscale: ['image.color'],
  hair_over_eyes: ['hair.eyes'],
  hat: ['head.covering'],
  head_covering: ['head.covering'],
  sunglasses_on_head: ['head.covering'],
  head_pitched_down: ['pose.pitch'],
  head_pitched_up: ['pose.pitch'],
  head_tilted: ['pose.roll'],
  head_turned: ['pose.yaw'],
  jewelry: ['jewelry.earrings', 'jewelry.necklace'],
  mouth_open: ['mouth.closed'],
  multiple_faces: ['face.count'],
  non_neutral_expression: ['expression.neutral'],
  rotated_image: ['pose.roll', 'face.count'],
  spoof_printed_photo: ['spoof'],
  spoof_screen_replay: ['spoof'],
  sunglasses: ['glasses.tinted'],
  tinted_glasses: ['glasses.tinted'],
  uneven_lighting: ['light.uneven'],
  // Folders added in December 2026 (the faces README names their checks).
  hair_over_eyebrows: ['hair.eyebrows'],
  ears_covered: ['ears.visible'],
  heavy_makeup: ['makeup.heavy'],
  glasses_frame_over_eyes: ['glasses.frame'],
  overexposed: ['light.exposure'],
  low_resolution: ['face.resolution', 'image.sharpness'],
  clothing_matches_background: ['clothing.contrast'],
  striped_clothing: ['clothing.pattern'],
};

/** Secondary labels on good photos (eval-stats.ts GOOD_FOLDERS) that excuse a check. */
export const LABEL_EXCUSES: [RegExp, CheckId[]][] = [
  [/head_tilted/, ['pose.roll']],
  [/camera_from_below/, ['pose.pitch']],
  [/jewelry\(earrings?/, ['jewelry.earrings']],
  [/hand_near_face|hand_on_face/, ['face.occlusion']],
  [/busy_background/, ['background.uniform']],
  [/head_small_in_frame/, ['face.resolution']],
  [/watermark/, ['background.uniform']],
];

/**
 * The checks a row's secondary labels excuse (a good photo with earrings may warn on them). A
 * label that names a defect folder excuses that folder's checks too: four photos of
 * defects/hair_accessory/ carry hair_over_eyebrows or hand_over_face beside their folder, and a
 * warn on what the labeller marked is right.
 */
export function excused(r: Pick<EvalRow, 'labels'>): Set<CheckId> {
  const s = new Set<CheckId>();
  for (const [re, ids] of LABEL_EXCUSES) if (re.test(r.labels)) for (const id of ids) s.add(id);
  for (const label of r.labels.split(';')) for (const id of FOLDER_CHECKS[label.trim()] ?? []) s.add(id);
  return s;
}

export interface EvalRow {
  file: string;
  labels: string;
  sha: string;
  repo: string;
}

export interface EvalResult {
  made: boolean;
  report: CheckResult[];
}

/** Rows labelled so are borderline: a warn is right and so is a pass; reported apart. */
export const isBorderline = (r: Pick<EvalRow, 'labels'>) => /(^|;)(mild|partial|policy-dependent)(;|$)/.test(r.labels);
/** The folders the judgement figures (and the learned checks) are drawn from. */
export const isJudged = (r: Pick<EvalRow, 'file'>) => /^(defects|portraits)\//.test(r.file);
/** The same, as EVAL_ONLY reads it. */
export const JUDGED_ONLY = '^(defects|portraits)/';

/** The source shows no whole head: no ID photo is expected from it. */
export const headNotWhole = (r: Pick<EvalRow, 'labels'>) => /(^|;)tight_crop(;|$)/.test(r.labels);
/** The head is small in the source and needs a crop: judged like any good photo, left out of `made`. */
export const needsCrop = (r: EvalRow) => /needs_crop/.test(r.labels);

/** Folders of good photos: every check should pass on them (some labels excuse one check). */
export const GOOD_FOLDERS = ['portraits', 'defects/eyeglasses_no_reflection', 'defects/hair_accessory'];
export const isGood = (r: Pick<EvalRow, 'file'>) => GOOD_FOLDERS.some((f) => r.file.startsWith(`${f}/`));
/** Good photos whose outcome counts in false_fail and review_rate: clear labels, the head whole. */
export const countsForReview = (r: Pick<EvalRow, 'file' | 'labels'>) =>
  isGood(r) && !isBorderline(r) && !headNotWhole(r);
export const defectFolder = (r: Pick<EvalRow, 'file'>) => /^defects\/([^/]+)\//.exec(r.file)?.[1] ?? null;

/** 95% Wilson score interval of k successes in n. */
export function wilson(k: number, n: number): { p: number; lo: number; hi: number } {
  if (n === 0) return { p: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const z = 1.959964;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

export const fmtRate = (k: number, n: number) => {
  if (n === 0) return '  -';
  const w = wilson(k, n);
  return `${k}/${n} ${(w.p * 100).toFixed(1)}% [${(w.lo * 100).toFixed(0)}–${(w.hi * 100).toFixed(0)}]`;
};

/**
 * k folds of whole source repositories: repositories sorted by photo count (then name) and each
 * given to the fold with the fewest photos so far, so the folds are balanced and the same on
 * every run. No repository's photos are ever in two folds.
 */
export function groupedFolds(rows: EvalRow[], k: number): Map<string, number> {
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.repo, (count.get(r.repo) ?? 0) + 1);
  const repos = [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const size = new Array<number>(k).fill(0);
  const fold = new Map<string, number>();
  for (const [repo, n] of repos) {
    const f = size.indexOf(Math.min(...size));
    fold.set(repo, f);
    size[f]! += n;
  }
  return fold;
}

export type GoodOutcome = 'pass' | 'review' | 'fail';

/** A good photo's outcome: a fail (or no photo made) refuses it; a warn sends it to review. */
export function goodOutcome(r: EvalResult, excused: Set<CheckId>): GoodOutcome {
  if (!r.made) return 'fail';
  if (r.report.some((c) => c.status === 'fail' && !excused.has(c.id))) return 'fail';
  if (r.report.some((c) => c.status === 'warn' && !excused.has(c.id))) return 'review';
  return 'pass';
}

export interface Summary {
  flagged: { k: number; n: number };
  falseFail: { k: number; n: number };
  review: { k: number; n: number };
  made: { k: number; n: number };
}

/**
 * The acceptance figures over `rows`: flagged over defect photos with a clear label (the folder's
 * check warns or fails); false_fail and review_rate over clear good photos whose head is whole;
 * made over good photos without tight_crop/needs_crop.
 */
export function summarise(
  rows: EvalRow[],
  results: Map<string, EvalResult>,
  folderChecks: Record<string, CheckId[]>,
  excusedOf: (r: EvalRow) => Set<CheckId>,
): Summary {
  const s: Summary = {
    flagged: { k: 0, n: 0 },
    falseFail: { k: 0, n: 0 },
    review: { k: 0, n: 0 },
    made: { k: 0, n: 0 },
  };
  for (const r of rows) {
    const res = results.get(r.file);
    if (!res) continue;
    if (isGood(r)) {
      if (!headNotWhole(r) && !needsCrop(r)) {
        s.made.n++;
        if (res.made) s.made.k++;
      }
      if (!countsForReview(r)) continue;
      const o = goodOutcome(res, excusedOf(r));
      s.falseFail.n++;
      s.review.n++;
      if (o === 'fail') s.falseFail.k++;
      if (o === 'review') s.review.k++;
      continue;
    }
    const folder = defectFolder(r);
    const checks = folder ? folderChecks[folder] : undefined;
    if (!checks || isBorderline(r)) continue;
    s.flagged.n++;
    if (res.report.some((c) => checks.includes(c.id) && (c.status === 'warn' || c.status === 'fail'))) s.flagged.k++;
  }
  return s;
}
