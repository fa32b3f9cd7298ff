// makeIdPhoto: the stages in order over one context. decode → detect → layout → warp → matting
// (→ relayout once the matte shows the crown) → checks → compose → encode. Each stage is timed.
import sharp from 'sharp';
import type { BackgroundName } from '../domain/backgrounds.js';
import { type CheckResult, worstStatus } from '../domain/checks.js';
import { backgroundDeltaE, farFromPerson } from './background.js';
import { runComplianceChecks } from './checks/compliance.js';
import * as making from './checks/making.js';
import { noFaceChecks, noFaceMeasures } from './checks/noface.js';
import { bottomEdgeRows, completeBelow, completedShare, extendAlpha, sourceOnly } from './complete.js';
import { cleanAlpha, composite, foregroundOf, keepConnected, rgba } from './compose.js';
import { type Decoded, decode, decodeRegion } from './decode.js';
import { encodeJpeg, encodePng } from './encode.js';
import { faceDescription } from './face/embedding.js';
import { faceExpression } from './face/expression.js';
import { handNearChin } from './face/hand.js';
import { analyze } from './face/human.js';
import { apply, compose, invert, scaling, type Warped, warpAffine } from './geometry.js';
import { estimateCrownAbove, type FaceFrame, faceFrame, findCrown, type Layout, MESH, solveLayout } from './layout.js';
import {
  cropFeatures,
  encoderFeatures,
  type Features,
  faceFeatures,
  flatten,
  ruleFeatures,
} from './learned/features.js';
import { applyLearned } from './learned/model.js';
import { matte } from './matting.js';
import { DEFAULT_MATTING } from './settings.js';
import { loadSpec } from './spec.js';
import { MAKING } from './thresholds.js';
import type {
  CheckContext,
  FeatureMap,
  IdPhotoResult,
  MakeOptions,
  MattingModel,
  PhotoSpec,
  Point3,
  RawImage,
  Stage,
} from './types.js';

type Timings = Partial<Record<Stage, number>>;

async function timed<T>(timings: Timings, stage: Stage, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[stage] = (timings[stage] ?? 0) + Math.round((performance.now() - t0) * 10) / 10;
  }
}

/** Upsampling or downsampling the analysis image by more than this loses detail or aliases; then
 *  the crop is cut from the original at the output's own resolution. */
const RESAMPLE_TOLERANCE = { min: 0.75, max: 1.25 };

/** Without a face, sharpness is measured at the output's long side (never upscaled). */
const NO_FACE_LONG_SIDE = 640;

async function shrink(image: RawImage, scale: number): Promise<RawImage> {
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .resize(Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)), {
      fit: 'fill',
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: image.channels,
  };
}

/** The output-sized crop of the source under `layout`, and which of its pixels lie in the source. */
async function cropFor(d: Decoded, layout: Layout, spec: PhotoSpec): Promise<Warped> {
  const toAnalysis = invert(layout.toOutput);
  const s = layout.scale;
  if ((s >= RESAMPLE_TOLERANCE.min && s <= RESAMPLE_TOLERANCE.max) || (s > 1 && d.scale >= 1)) {
    return warpAffine(d.image, toAnalysis, spec.width, spec.height);
  }
  if (s < RESAMPLE_TOLERANCE.min) {
    // Smaller than the analysis image: shrink that in memory (area-averaging, no aliasing) rather
    // than decode the original again.
    const shrunk = await shrink(d.image, s);
    return warpAffine(shrunk, compose(toAnalysis, scaling(shrunk.width / d.image.width)), spec.width, spec.height);
  }
  // Re-decode at the scale where one source px ≈ one output px (never above the original).
  const target = Math.min(1, s * d.scale);
  const ratio = target / d.scale;
  const toTarget = compose(toAnalysis, scaling(ratio));
  const corners = [
    { x: 0, y: 0 },
    { x: spec.width, y: 0 },
    { x: 0, y: spec.height },
    { x: spec.width, y: spec.height },
  ].map((p) => apply(toTarget, p));
  const w = Math.round(d.width * target);
  const h = Math.round(d.height * target);
  const left = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))) - 2);
  const top = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))) - 2);
  const right = Math.min(w, Math.ceil(Math.max(...corners.map((p) => p.x))) + 2);
  const bottom = Math.min(h, Math.ceil(Math.max(...corners.map((p) => p.y))) + 2);
  if (right - left < 2 || bottom - top < 2) return warpAffine(d.image, toAnalysis, spec.width, spec.height);
  const region = await decodeRegion(d, target, { left, top, width: right - left, height: bottom - top });
  const shift = { a: 1, b: 0, c: -left, d: 0, e: 1, f: -top };
  return warpAffine(region, compose(toTarget, shift), spec.width, spec.height);
}

/** The hair touches the source's top edge: the first in-source row above the crown is foreground. */
function crownCut(
  alpha: Uint8Array,
  inside: Uint8Array,
  width: number,
  crownY: number | null,
  centreX: number,
  halfSpan: number,
): boolean {
  if (crownY === null) return false;
  const x0 = Math.max(0, Math.round(centreX - halfSpan));
  const x1 = Math.min(width - 1, Math.round(centreX + halfSpan));
  if (crownY <= 1) return true;
  for (let x = x0; x <= x1; x++) {
    const i = crownY * width + x;
    const above = (crownY - 2) * width + x;
    if (alpha[i]! >= 128 && inside[above] === 0) return true;
  }
  return false;
}

/** The source ends too close below the chin: the jaw line, and the neck under it, are not whole. */
function chinCut(mesh: readonly Point3[], layout: Layout, edgeRows: Int32Array, spec: PhotoSpec): boolean {
  const chinPoint = mesh[MESH.chin];
  if (!chinPoint) return false;
  const chin = apply(layout.toOutput, chinPoint);
  const x = Math.min(spec.width - 1, Math.max(0, Math.round(chin.x)));
  const clearance = MAKING.chinClearance * Math.max(0, chin.y - layout.eyesY);
  return edgeRows[x]! < Math.min(spec.height, chin.y + clearance);
}

interface Placed {
  layout: Layout;
  warped: Warped;
  alpha: Uint8Array;
  foreground: Uint8Array | null;
  crownY: number | null;
  /** RVM's activations over the crop (learned/features.ts), when the runtime gives them. */
  features: FeatureMap | null;
}

/** Rows of a width×height image (`channels` per pixel) moved down by `dy`; the top filled with `fill`. */
function shiftRows(data: Uint8Array, width: number, channels: number, dy: number, fill: number): Uint8Array {
  const out = new Uint8Array(data.length).fill(fill);
  out.set(data.subarray(0, data.length - dy * width * channels), dy * width * channels);
  return out;
}

/**
 * The matte can show a little more hair after the last refinement than the layout planned for.
 * When the crown ends up a few px above its band, the frame slides up over the photo: everything
 * moves down, the rows that appear at the top lie above the hair (background, alpha 0), and only
 * body rows leave at the bottom, so nothing has to be matted again.
 */
function lowerCrown(placed: Placed, spec: PhotoSpec): Placed {
  const { crownY, layout, warped } = placed;
  const band = spec.geometry.crownFromTop;
  if (crownY === null || crownY >= band.min) return placed;
  const dy = Math.min(band.min + 2 - crownY, spec.geometry.eyesFromTop.max - Math.ceil(layout.eyesY));
  if (dy <= 0 || dy > 24) return placed;
  const w = spec.width;
  return {
    layout: {
      ...layout,
      eyesY: layout.eyesY + dy,
      crownY: layout.crownY + dy,
      toOutput: { ...layout.toOutput, f: layout.toOutput.f + dy },
    },
    warped: {
      image: { ...warped.image, data: shiftRows(warped.image.data, w, warped.image.channels, dy, 0) },
      inside: shiftRows(warped.inside, w, 1, dy, 255),
    },
    alpha: shiftRows(placed.alpha, w, 1, dy, 0),
    foreground: placed.foreground && shiftRows(placed.foreground, w, 3, dy, 0),
    crownY: crownY + dy,
    // A shift of at most 24 px is under one cell of the map (32 px of the crop): kept as it is.
    features: placed.features,
  };
}

/** Two layouts close enough that the head would move by less than the matte's own precision. */
const settled = (a: Layout, b: Layout) => Math.abs(b.scale / a.scale - 1) < 0.03 && Math.abs(b.eyesY - a.eyesY) < 6;

async function place(
  d: Decoded,
  frame: FaceFrame,
  spec: PhotoSpec,
  options: MakeOptions,
  timings: Timings,
): Promise<Placed> {
  const kind = options.matting ?? DEFAULT_MATTING;
  const source = { width: d.image.width, height: d.image.height };
  const matteOf = async (warped: Warped, layout: Layout, model: MattingModel) => {
    const m = await timed(timings, 'matting', () => matte(warped.image, model));
    const clean = extendAlpha(cleanAlpha(m.alpha, warped.inside), warped.inside, spec.width, spec.height);
    const alpha = keepConnected(clean, spec.width, spec.height, {
      x: spec.width / 2,
      y: layout.eyesY,
    });
    // The crown is the top of the hair anywhere above the face: voluminous hair peaks off-centre.
    const halfSpan = layout.faceWidth / 2;
    const crownY = findCrown(alpha, spec.width, layout.eyesY, spec.width / 2, halfSpan, warped.inside);
    return { alpha, foreground: m.foreground, crownY, features: m.features ?? null };
  };
  // The rows below a chest-cut source are clothing: completed before matting (complete.ts).
  const warp = (layout: Layout) =>
    timed(timings, 'warp', async () => {
      const crop = await cropFor(d, layout, spec);
      const edgeRows = bottomEdgeRows(invert(layout.toOutput), source.height, spec.width, spec.height);
      return completeBelow(crop, edgeRows);
    });
  const relayout = (layout: Layout, crownY: number) =>
    timed(timings, 'layout', () => solveLayout(spec, frame, (layout.eyesY - crownY) / layout.scale, source));

  // The first layout guesses the hair from the face mesh; only a matte shows the real crown.
  let layout = await timed(timings, 'layout', () => solveLayout(spec, frame, estimateCrownAbove(frame), source));
  let warped = await warp(layout);
  if (kind === 'rvm') {
    // Scout with the selfie model (~20 ms) so that RVM (~0.4 s) usually runs once, on the final frame.
    const scout = await matteOf(warped, layout, 'selfie');
    if (scout.crownY !== null) {
      const next = await relayout(layout, scout.crownY);
      if (!settled(layout, next) || scout.crownY <= 2) {
        layout = next;
        warped = await warp(layout);
      }
    }
  }
  for (let pass = 0; ; pass++) {
    const m = await matteOf(warped, layout, kind);
    const placed: Placed = { layout, warped, ...m };
    if (m.crownY === null) return placed;
    const band = spec.geometry.crownFromTop;
    const inBand = m.crownY >= band.min && m.crownY <= band.max;
    // RVM runs at most three times: once as a rule, again when the matte moved the crown, a third
    // time only when the crown still misses its band (seen on voluminous hair).
    if (pass === 2 || (pass === 1 && inBand)) return lowerCrown(placed, spec);
    const next = await relayout(layout, m.crownY);
    // A crown at the frame's top edge may be higher still: look again even if it looks settled.
    if (settled(layout, next) && m.crownY > 2) return lowerCrown(placed, spec);
    layout = next;
    warped = await warp(layout);
  }
}

export async function makeIdPhoto(input: Uint8Array, options: MakeOptions = {}): Promise<IdPhotoResult> {
  const spec = loadSpec(options.spec);
  const backgrounds = (options.backgrounds ?? (Object.keys(spec.backgrounds) as BackgroundName[])).filter(
    (b) => spec.backgrounds[b],
  );
  const timings: Timings = {};
  const report: CheckResult[] = [];
  let features: Features | null = null;
  const finish = (r: Omit<IdPhotoResult, 'spec' | 'verdict' | 'report' | 'timings'>): IdPhotoResult => {
    const decided = applyLearned(report, features);
    return {
      ...r,
      spec: spec.id,
      verdict: worstStatus(decided),
      report: decided,
      timings,
      ...(options.evidence ? { evidence: { features, ruleReport: report } } : {}),
    };
  };

  const d = await timed(timings, 'decode', () => decode(input));
  const analysis = await timed(timings, 'detect', () => analyze(d.image));
  report.push(making.faceCount(analysis.faces.length, analysis.uncertainFaces));
  const face = analysis.faces[0];
  if (!face) {
    // Still say what can be judged without a face (blur, black-and-white, darkness, a profile), so
    // the retake advice is more than "no face found".
    const small = await timed(timings, 'checks', () => {
      const s = Math.min(1, NO_FACE_LONG_SIDE / Math.max(d.image.width, d.image.height));
      return s < 1 ? shrink(d.image, s) : d.image;
    });
    report.push(...(await timed(timings, 'checks', () => noFaceChecks(noFaceMeasures(small, analysis.body)))));
    return finish({ made: false, photos: {}, cutout: null, face: null, faceCount: 0 });
  }
  // The description stored with the photo is the one exam entry computes on a live frame
  // (verify.ts describeFace) and duplicate search compares: face/embedding.ts faceDescription on
  // the landmark-aligned crop of the same analysis image.
  const embedding = await timed(timings, 'detect', () => faceDescription(d.image, face.mesh));
  const expression = await timed(timings, 'checkModels', () => faceExpression(d.image, face.mesh));
  const hand = await timed(timings, 'checkModels', () => handNearChin(d.image, face.mesh, face.box[2]));
  const faceOut = { ...face, embedding, expression, hand, sourceWidth: d.image.width, sourceHeight: d.image.height };
  // With more than one face no photo is made, but the largest face is still placed and checked:
  // the retake should fix its hat or glare too, not only send the other person away. Its analysis
  // also serves verification and duplicate search.
  const faceCount = analysis.faces.length;
  const frame = faceFrame(face.mesh);
  report.push(making.resolution(frame.interEye / d.scale));

  const placed = await place(d, frame, spec, options, timings);
  const { layout, warped, crownY } = placed;
  const halfSpan = layout.faceWidth / 2;
  const crownIsCut = crownCut(placed.alpha, warped.inside, spec.width, crownY, spec.width / 2, halfSpan);
  const edgeRows = bottomEdgeRows(invert(layout.toOutput), d.image.height, spec.width, spec.height);
  const chinIsCut = chinCut(face.mesh, layout, edgeRows, spec);
  const crop = warped.image;
  const { alpha, foreground } = placed;
  const marginCheck = making.margin({
    completedShare: completedShare(edgeRows, spec.height),
    crownCut: crownIsCut,
    chinCut: chinIsCut,
  });
  report.push(marginCheck);
  report.push(making.geometry(spec, { crownY, eyesY: layout.eyesY, faceWidth: layout.faceWidth }));
  const ctx: CheckContext = {
    spec,
    background: options.backgrounds?.[0] ?? spec.defaultBackground,
    source: d.image,
    sourceFace: faceOut,
    faceCount,
    crop,
    alpha,
    toCrop: layout.toOutput,
    cropMesh: face.mesh.map((p) => ({ ...apply(layout.toOutput, p), z: p.z * layout.scale })),
    cropBody: analysis.body.map((k) => ({ ...k, ...apply(layout.toOutput, k) })),
  };
  const compliance = await timed(timings, 'checks', () => runComplianceChecks(ctx));
  report.push(...compliance.results);

  // Without margin no photo is made, but the student still gets every other piece of advice, so
  // the retake fixes everything at once.
  const sourceBg = await timed(timings, 'checks', () =>
    making.sourceBackground(crop, alpha, sourceOnly(warped.inside), spec.width, spec.height),
  );
  features = await timed(timings, 'checks', () => {
    const f: Features = {};
    flatten(f, 'm', compliance.measures);
    flatten(f, 'bg', sourceBg);
    ruleFeatures(f, report);
    faceFeatures(f, faceOut);
    cropFeatures(f, crop, alpha);
    if (placed.features) encoderFeatures(f, placed.features);
    return f;
  });
  if (marginCheck.status === 'fail' || faceCount > 1) {
    if (making.busySource(sourceBg)) report.push(making.background(null, sourceBg));
    return finish({ made: false, photos: {}, cutout: null, face: faceOut, faceCount });
  }

  const fg = await timed(timings, 'compose', () => foregroundOf(crop, alpha, foreground));
  const photos: IdPhotoResult['photos'] = {};
  let worstDeltaE = 0;
  let sizeCheck: CheckResult | null = null;
  let quality: number | undefined;
  const far = await timed(timings, 'checks', () => farFromPerson(alpha, spec.width, spec.height, MAKING.hairEdgeBand));
  for (const name of backgrounds) {
    const rgb = spec.backgrounds[name]!;
    const flat = await timed(timings, 'compose', () => composite(fg, alpha, rgb));
    const enc = await timed(timings, 'encode', () => encodeJpeg(flat, spec, quality));
    quality = enc.quality;
    photos[name] = enc.jpeg;
    const de = await timed(timings, 'checks', () => backgroundDeltaE(enc.jpeg, far, spec.width, spec.height, rgb));
    worstDeltaE = Math.max(worstDeltaE, de);
    const sc = making.fileSize(enc.jpeg.byteLength, spec, enc.withinBounds);
    if (!sizeCheck || (sizeCheck.status === 'pass' && sc.status !== 'pass')) sizeCheck = sc;
  }
  report.push(making.background(worstDeltaE, sourceBg));
  if (sizeCheck) report.push(sizeCheck);
  const cutout = await timed(timings, 'encode', () => encodePng(rgba(fg, alpha), spec.width, spec.height));
  return finish({ made: true, photos, cutout, face: faceOut, faceCount: 1 });
}
