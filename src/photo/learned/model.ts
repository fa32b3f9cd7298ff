// The report's operating points, as data written by `npm run train` into calibration.json next to
// this file (scripts/train/learn.ts states the method):
// - Rule gates: a hand rule's warn stands only where the photo is as far out as a level chosen
//   from data, read on the check's learned model where it has one, else on the rule's value; the
//   measures were written on a few photos each, and their warn edges sent a third of good photos
//   to review. A gate only ever turns a rule's warn into a pass; it never touches a fail, a value
//   the rule could not measure, or the spec's own rules (not gated).
// - Learned checks: a logistic model per requirement over the photo's evidence (features.ts) and a
//   warn level for its logit. A learned check adds to its hand rule: it sends to review what the
//   rule passed and it never refuses on its own, since a statistical guess should cost a student a
//   reviewer's look, not a retake; refusals stay with the spec's rules, which say what is wrong.
import fs from 'node:fs';
import { CHECKS, type CheckId, type CheckResult } from '../../domain/checks.js';
import { sourcePath } from '../../runtime/paths.js';
import type { Features } from './features.js';

/** Which evidence a learned check's model reads: its own region of the photo, or all of it. */
export const EVIDENCE_SETS = ['region', 'all'] as const;
export type EvidenceSet = (typeof EVIDENCE_SETS)[number];

export interface LearnedCheck {
  /** Weights over the standardised features, in `features` order. */
  weights: number[];
  bias: number;
  /** Logit at or above which a passing entry warns; null: the check is off (nothing gained in budget). */
  warn: number | null;
  /** The share of good photos the warn level sends to review (under the normal fit). */
  share: number;
  /** Which evidence training chose for it (scripts/train/learn.ts EVIDENCE): its region of the
   *  photo, or all of it. For the record: the weights outside it are 0. */
  evidence?: EvidenceSet;
  /** Out-of-fold AUC of each evidence set when it was chosen (its positives over good photos, folds
   *  by source repository). For the record. */
  auc?: Record<EvidenceSet, number>;
}

/** How a gate reads a rule's value: higher is worse, lower is worse, or farther from `centre`. */
export const GATE_DIRECTIONS = ['high', 'low', 'far'] as const;
export type GateDirection = (typeof GATE_DIRECTIONS)[number];

export interface RuleGate {
  /** 'model': the check's learned model reads the photo instead of the rule's one value (a rule
   *  whose warn may come from any of several measures, its value being only one of them). */
  direction: GateDirection | 'model';
  /** The good photos' median value ('far' measures from it). */
  centre: number;
  /** A rule's warn stands when its score reaches this; null: none of its warns stands. */
  warn: number | null;
}

export interface Calibration {
  /** sha256 of the MANIFEST.tsv the model was trained and calibrated on. */
  manifest: string;
  method: string;
  seed: number;
  features: string[];
  mean: number[];
  scale: number[];
  checks: Partial<Record<CheckId, LearnedCheck>>;
  /** Gates on the hand rules' warns (absent in calibrations written before them). */
  rules?: Partial<Record<CheckId, RuleGate>>;
  /** Cross-validated figures (folds by source repository), for the record. */
  cv: unknown;
}

export const CALIBRATION_PATH = sourcePath('photo', 'learned', 'calibration.json');

let loaded: Calibration | null | undefined;

/** The shipped calibration, or null before the first `npm run train`. */
export function shippedCalibration(): Calibration | null {
  if (loaded === undefined) {
    loaded = fs.existsSync(CALIBRATION_PATH)
      ? (JSON.parse(fs.readFileSync(CALIBRATION_PATH, 'utf8')) as Calibration)
      : null;
  }
  return loaded;
}

/** Advice when the model flags what the hand measure passed, and the plain pass text otherwise. */
const ADVICE: Partial<Record<CheckId, { zh: string; en: string }>> = {
  'expression.neutral': {
    zh: '表情不够自然，请放松面部、嘴唇自然闭合后重拍',
    en: 'Relax your face, lips closed, and retake',
  },
  'mouth.closed': { zh: '嘴巴似乎张开，请自然闭合嘴唇后重拍', en: 'Your mouth seems open: close your lips and retake' },
  'makeup.heavy': {
    zh: '妆容可能过浓，请以日常淡妆或素颜拍摄',
    en: 'Make-up may be heavy: retake with light or no make-up',
  },
  'jewelry.earrings': {
    zh: '可能佩戴了耳饰或项链等首饰，请摘下后重拍',
    en: 'Jewellery seen (earrings, necklace): take it off and retake',
  },
  'hair.eyebrows': {
    zh: '头发可能遮住眉毛，请将刘海拨开露出眉毛',
    en: 'Hair may cover your eyebrows: move your fringe aside',
  },
  'hair.eyes': { zh: '头发可能遮挡眼睛，请将头发拨开露出双眼', en: 'Hair may cover your eyes: move it aside' },
  'face.occlusion': {
    zh: '面部可能被遮挡（手、口罩等），请露出完整面部后重拍',
    en: 'Something may cover your face (hand, mask): uncover it and retake',
  },
  'head.covering': {
    zh: '可能戴有帽子或头饰，请摘下后重拍（宗教原因请联系学习中心）',
    en: 'A head covering may be worn: take it off (religious reasons: contact your centre)',
  },
  'background.uniform': {
    zh: '原照片背景杂乱，请在纯色墙面（白墙最佳）前重拍',
    en: 'The background is busy: retake in front of a plain wall',
  },
  'image.sharpness': {
    zh: '照片可能模糊或清晰度不足，请用手机后置摄像头直接拍摄、对焦清楚后重拍',
    en: 'The photo may be blurred or low in detail: retake with the rear camera, in focus',
  },
  'light.uneven': {
    zh: '面部光线可能不均匀（一侧偏暗），请面向窗户或光源、避免侧光后重拍',
    en: 'The light on your face may be uneven: face the window or lamp and retake',
  },
  'light.exposure': {
    zh: '照片可能过暗或过亮，请在光线充足、均匀的地方重拍',
    en: 'The photo may be too dark or too bright: retake in even, ample light',
  },
  'glasses.tinted': {
    zh: '镜片可能有颜色，请摘下有色眼镜或换用无色镜片后重拍',
    en: 'The lenses may be tinted: remove tinted glasses and retake',
  },
  'glasses.reflection': {
    zh: '镜片可能有反光，请调整角度或避开正面光源后重拍',
    en: 'The lenses may reflect light: tilt the glasses slightly or move away from the light',
  },
};

/** The model's logit for one check on these features; missing features count as the training mean. */
export function logit(cal: Calibration, check: LearnedCheck, features: Features): number {
  let z = check.bias;
  for (let i = 0; i < cal.features.length; i++) {
    const v = features[cal.features[i]!];
    if (v === undefined) continue;
    // Clipped as in training: one odd measure must not outweigh the rest.
    z += check.weights[i]! * Math.max(-6, Math.min(6, (v - cal.mean[i]!) / cal.scale[i]!));
  }
  return z;
}

const probability = (z: number) => 1 / (1 + Math.exp(-z));

/** A rule value's score under a value gate: larger is further towards the defect. */
export function gateScore(gate: { direction: GateDirection; centre: number }, value: number): number {
  return gate.direction === 'high' ? value : gate.direction === 'low' ? -value : Math.abs(value - gate.centre);
}

/** Whether a rule's warn stands under its gate: on its value, or on its model's logit `z`, which
 *  without evidence (no face, no model) cannot speak against the rule. */
export function gateHolds(gate: RuleGate, value: number, z: number | null = null): boolean {
  if (gate.warn === null) return false;
  if (gate.direction === 'model') return z === null || z >= gate.warn;
  return gateScore({ direction: gate.direction, centre: gate.centre }, value) >= gate.warn;
}

/**
 * The report under the calibration: first a rule's warn that falls short of its gate (on its
 * value, or on its model's logit) becomes a pass (the value kept, the threshold saying why); then a passing entry whose model
 * logit reaches its warn level becomes a warn with the model's advice (keeping the measure's
 * value), and a check the photo had no entry for (a busy background when no photo was made) is
 * added when flagged. Without evidence (no face) only the gates apply.
 */
export function applyLearned(
  report: CheckResult[],
  features: Features | null,
  cal = shippedCalibration(),
): CheckResult[] {
  if (!cal) return report;
  // Each model's logit once: a model gate and its learned check read the same one.
  const logits = new Map<CheckId, number>();
  const zOf = (id: CheckId): number | null => {
    const model = cal.checks[id];
    if (!model || !features) return null;
    if (!logits.has(id)) logits.set(id, logit(cal, model, features));
    return logits.get(id)!;
  };
  const out = report.map((e) => {
    const gate = cal.rules?.[e.id];
    if (!gate || e.status !== 'warn' || e.value === null) return { ...e };
    if (gateHolds(gate, e.value, gate.direction === 'model' ? zOf(e.id) : null)) return { ...e };
    const level = gate.warn === null ? 'never' : `${gate.direction} score ≥ ${gate.warn}`;
    return {
      ...e,
      status: 'pass' as const,
      threshold: `${e.threshold}; gated (calibration.json): warns only at ${level}`,
      message: { zh: CHECKS[e.id].zh, en: CHECKS[e.id].en },
    };
  });
  if (!features) return out;
  for (const [id, model] of Object.entries(cal.checks) as [CheckId, LearnedCheck][]) {
    if (model.warn === null) continue;
    const z = zOf(id)!;
    if (z < model.warn) continue;
    const threshold = `learned (calibration.json): p = ${probability(z).toFixed(3)} ≥ ${probability(model.warn).toFixed(3)} warn`;
    const message = ADVICE[id] ?? { zh: CHECKS[id].zh, en: CHECKS[id].en };
    const i = out.findIndex((e) => e.id === id);
    if (i < 0) out.push({ id, status: 'warn', value: null, threshold, message });
    else if (out[i]!.status === 'pass') out[i] = { ...out[i]!, status: 'warn', threshold, message };
  }
  return out;
}
