// Compliance checks (photo-spec.md §2) over the aligned crop, its matte and the face analysis.
// Measures (measures.ts) are taken once per photo over landmark regions (regions.ts); each topic
// module turns them into report entries with thresholds from thresholds.ts (COMPLIANCE).
import type { CheckResult } from '../../domain/checks.js';
import type { CheckContext } from '../types.js';
import { clothingChecks } from './clothing.js';
import { enclosureMeasures } from './enclosure.js';
import { eyeChecks } from './eyes.js';
import { makeupCheck, occlusionCheck } from './face.js';
import { frameCheck, lensRatio, reflectionCheck, tintedCheck } from './glasses.js';
import { coveringCheck, earsCheck, hairChecks } from './head.js';
import { imageChecks, spoofCheck } from './image.js';
import { jewelryChecks } from './jewelry.js';
import { lightChecks } from './light.js';
import {
  clothingMeasures,
  eyeMeasures,
  eyeRegionMeasures,
  frameMeasures,
  headMeasures,
  imageMeasures,
  lightMeasures,
  mouthMeasures,
  poseMeasures,
  sideMeasures,
  skinMeasures,
} from './measures.js';
import { expressionCheck, mouthCheck } from './mouth.js';
import { poseChecks, shoulderCheck } from './pose.js';
import { faceGeometry, planes } from './regions.js';

/** Milliseconds spent per check group since the last reset (read by bench/eval.ts). */
const costs: Record<string, number> = {};

export function complianceCosts(): Record<string, number> {
  return { ...costs };
}

export function resetComplianceCosts(): void {
  for (const k of Object.keys(costs)) delete costs[k];
}

function timed<T>(group: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    costs[group] = (costs[group] ?? 0) + (performance.now() - t0);
  }
}

/** The report entries, and every measure they were decided on (the learned checks' evidence). */
export interface ComplianceOutcome {
  results: CheckResult[];
  measures: Record<string, unknown>;
}

export function runComplianceChecks(ctx: CheckContext): ComplianceOutcome {
  const face = timed('setup', () => faceGeometry(ctx.cropMesh));
  const pl = timed('setup', () => planes(ctx));
  const out: CheckResult[] = [];
  const pose = timed('pose', () => poseMeasures(ctx, face));
  out.push(...timed('pose', () => poseChecks(pose)));
  const eyes = timed('eyes', () => eyeMeasures(face));
  out.push(...timed('eyes', () => eyeChecks(eyes, ctx.sourceFace.gaze.strength, pose.yaw)));
  const mouth = timed('mouth', () => mouthMeasures(pl, face));
  out.push(timed('mouth', () => mouthCheck(mouth)));
  out.push(timed('mouth', () => expressionCheck(ctx.sourceFace, mouth)));
  const skin = timed('face', () => skinMeasures(ctx, pl, face));
  const frame = timed('face', () => frameMeasures(ctx, face));
  out.push(timed('face', () => occlusionCheck(skin, mouth.gap, frame, ctx.sourceFace.score)));
  out.push(timed('face', () => makeupCheck(skin)));
  const eyeRegion = timed('glasses', () => eyeRegionMeasures(pl, face, skin));
  out.push(timed('glasses', () => tintedCheck(eyeRegion, skin.skin.L)));
  out.push(timed('glasses', () => frameCheck(eyes, eyeRegion, skin.skin.L)));
  out.push(timed('glasses', () => reflectionCheck(eyeRegion, eyes, skin.skin.L)));
  // Image measures first: hair over the eyes defers to sharpness on a blurred face.
  const image = timed('image', () => imageMeasures(pl, face, skin.skin));
  const head = timed('head', () => headMeasures(pl, face, skin));
  out.push(timed('head', () => coveringCheck(head)));
  out.push(...timed('head', () => hairChecks(eyeRegion, eyes, lensRatio(eyeRegion, skin.skin.L), image.laplacian)));
  const side = timed('side', () => sideMeasures(ctx, pl, face, skin.skin));
  out.push(timed('side', () => earsCheck(side)));
  out.push(timed('side', () => shoulderCheck(side)));
  out.push(...timed('side', () => jewelryChecks(side)));
  const cloth = timed('clothing', () => clothingMeasures(ctx, pl, face));
  out.push(...timed('clothing', () => clothingChecks(cloth, ctx.background)));
  const light = timed('light', () => lightMeasures(pl, face, skin, ctx.source));
  out.push(...timed('light', () => lightChecks(light)));
  out.push(...timed('image', () => imageChecks(image)));
  const enclosure = timed('spoof', () => enclosureMeasures(ctx.source, ctx.sourceFace));
  out.push(timed('spoof', () => spoofCheck(ctx.sourceFace, enclosure)));
  return {
    results: out,
    measures: { pose, eyes, mouth, skin, frame, eyeRegion, image, head, side, cloth, light, enclosure },
  };
}
