// The raw measures of the compliance checks, one object per photo. Judging (pass/warn/fail with
// advice) lives in the topic modules; keeping the numbers apart lets the eval and the tests see
// exactly what each check saw.
import { deltaE2000, type Lab, luma, rgbToLab } from '../color.js';
import { apply, invert } from '../geometry.js';
import type { CheckContext, Point, RawImage } from '../types.js';
import {
  type Box,
  boxAround,
  chroma,
  clampBox,
  dist,
  type Eye,
  type Face,
  fastLab,
  labSamples,
  lumaSamples,
  M,
  mean,
  median,
  medianLab,
  mid,
  type Planes,
  quantile,
} from './regions.js';
import { stripeStrength } from './stripes.js';

const RAD = 180 / Math.PI;

/** Near the reference skin: within 22 L* and 12 in a*b*. */
const isSkin = (s: Lab, skin: Lab) => Math.abs(s.L - skin.L) < 22 && Math.hypot(s.a - skin.a, s.b - skin.b) < 12;

/** Fraction of samples within a skin-colour distance of the reference skin. */
function skinFraction(samples: readonly Lab[], skin: Lab): number {
  if (samples.length === 0) return Number.NaN;
  let n = 0;
  for (const s of samples) if (isSkin(s, skin)) n++;
  return n / samples.length;
}

function box(pl: Planes, b: Box): Box {
  return clampBox(b, pl.width, pl.height);
}

export interface PoseMeasures {
  yaw: number;
  pitch: number;
  roll: number;
  /** Nose tip offset from the cheek midpoint, fraction of face width (+ = image right). */
  noseOffset: number;
  /** Nose tip below the eye line, fraction of eye-to-chin (a geometric pitch). */
  noseDrop: number;
  /** Rotation the engine applied to level the eyes, degrees (the eye line's roll in the source). */
  eyeLine: number;
}

export function poseMeasures(ctx: CheckContext, f: Face): PoseMeasures {
  const nose = f.mesh[M.noseTip]!;
  const c = mid(f.cheekR, f.cheekL);
  const eyeToChin = Math.max(1, f.chin.y - f.eyesMid.y);
  return {
    ...ctx.sourceFace.pose,
    noseOffset: (nose.x - c.x) / Math.max(1, f.faceWidth),
    noseDrop: (nose.y - f.eyesMid.y) / eyeToChin,
    eyeLine: Math.atan2(ctx.toCrop.d, ctx.toCrop.a) * RAD,
  };
}

export interface EyeMeasures {
  /** Lid opening / eye width (eye aspect ratio), subject's right and left. */
  earR: number;
  earL: number;
  /** Iris offset from the eye-corner midpoint, fraction of eye width: x (+ image right), y (+ down). */
  gazeX: number;
  gazeY: number;
}

export function eyeMeasures(f: Face): EyeMeasures {
  const off = (e: Eye) => ({ x: (e.iris.x - e.centre.x) / e.width, y: (e.iris.y - e.centre.y) / e.width });
  const r = off(f.eyeR);
  const l = off(f.eyeL);
  return {
    earR: f.eyeR.opening / f.eyeR.width,
    earL: f.eyeL.opening / f.eyeL.width,
    gazeX: (r.x + l.x) / 2,
    gazeY: (r.y + l.y) / 2,
  };
}

export interface MouthMeasures {
  /** Inner-lip gap / inner mouth width. */
  gap: number;
  /** Inner-lip gap / eye distance. */
  gapIpd: number;
  /** Mouth corners above the lip centre line, / eye distance (+ = corners up, a smile). */
  cornerLift: number;
  /** Mouth width / eye distance. */
  width: number;
  /** Eyebrow height above the eye line, / eye distance. */
  browHeight: number;
  /** Bright, low-chroma (teeth) fraction between the inner lips. */
  teeth: number;
}

export function mouthMeasures(pl: Planes, f: Face): MouthMeasures {
  const p = (i: number) => f.mesh[i]!;
  const top = p(M.lipTopInner);
  const bot = p(M.lipBottomInner);
  const inner = dist(p(M.mouthInnerR), p(M.mouthInnerL));
  const centreY = (p(M.lipTopOuter).y + p(M.lipBottomOuter).y) / 2;
  const cornersY = (p(M.mouthR).y + p(M.mouthL).y) / 2;
  const browY = mean([...M.rBrow, ...M.lBrow].map((i) => p(i).y));
  const gapH = Math.max(0, bot.y - top.y);
  let teeth = 0;
  if (gapH >= 2) {
    const c = mid(top, bot);
    const s = labSamples(pl, boxAround(c, inner * 0.6, gapH));
    teeth = s.filter((l) => l.L > 55 && chroma(l) < 18).length / Math.max(1, s.length);
  }
  return {
    gap: dist(top, bot) / Math.max(1, inner),
    gapIpd: dist(top, bot) / f.ipd,
    cornerLift: (centreY - cornersY) / f.ipd,
    width: dist(p(M.mouthR), p(M.mouthL)) / f.ipd,
    browHeight: (f.eyesMid.y - browY) / f.ipd,
    teeth,
  };
}

export interface SkinMeasures {
  /** Reference skin: the cheeks. */
  skin: Lab;
  /** L* of the nose bridge between the eyes. */
  bridgeL: number;
  /** Lower face (mouth, chin, lower cheeks) against the nose bridge, ΔE2000 (a mask). */
  maskDeltaE: number;
  /** Mouth area against the nose bridge, ΔE2000. */
  mouthDeltaE: number;
  /** Bright, low-chroma fraction of the mouth area (a white mask or teeth). */
  mouthWhite: number;
  foreheadL: number;
  /** Reference skin of each side (median of its upper cheek and cheek): on a face lit from one
   *  side the skin above that side's brow is as dim as that side's cheek. */
  sideSkinR: Lab;
  sideSkinL: Lab;
  cheekRL: number;
  cheekLL: number;
  /** Lower face (chin, beside the mouth) against the upper-face skin, ΔE2000. */
  lowerDeltaE: number;
  /** Skin-coloured fraction of the lower face. */
  lowerSkin: number;
  /** Mean lip redness (a*) minus skin a*. */
  lipRedness: number;
  /** Lip chroma minus skin chroma. */
  lipChroma: number;
  /** The hand model's score around the chin (face/hand.ts), 0 without a reading. */
  handScore: number;
  /** How many of that reading's 21 keypoints lie in the face box. */
  handOnFace: number;
}

export function skinMeasures(ctx: CheckContext, pl: Planes, f: Face): SkinMeasures {
  const u = f.ipd;
  const p = (i: number) => f.mesh[i]!;
  const fh = labSamples(pl, boxAround(mid(p(M.foreheadMid), p(M.foreheadTop)), 0.7 * u, 0.25 * u), 2);
  // Upper cheeks: below the eyes, outside the nose.
  const ucR = labSamples(pl, boxAround({ x: f.eyeR.centre.x, y: f.eyeR.centre.y + 0.45 * u }, 0.3 * u, 0.2 * u), 2);
  const ucL = labSamples(pl, boxAround({ x: f.eyeL.centre.x, y: f.eyeL.centre.y + 0.45 * u }, 0.3 * u, 0.2 * u), 2);
  const cR = labSamples(pl, boxAround(p(M.cheekCentreR), 0.3 * u, 0.3 * u), 2);
  const cL = labSamples(pl, boxAround(p(M.cheekCentreL), 0.3 * u, 0.3 * u), 2);
  // The forehead often holds a fringe: the reference skin is the cheeks only.
  const skin = medianLab([...ucR, ...ucL, ...cR, ...cL]);
  const chinC = mid(p(M.lipBottomOuter), p(M.chin));
  const lower = [
    ...labSamples(pl, boxAround(chinC, 0.4 * u, 0.2 * u), 2),
    ...labSamples(pl, boxAround({ x: p(M.mouthR).x - 0.2 * u, y: p(M.mouthR).y }, 0.2 * u, 0.25 * u), 2),
    ...labSamples(pl, boxAround({ x: p(M.mouthL).x + 0.2 * u, y: p(M.mouthL).y }, 0.2 * u, 0.25 * u), 2),
  ];
  const lowerLab = medianLab(lower);
  const lipTop = mid(p(M.lipTopOuter), p(M.lipTopInner));
  const lipBot = mid(p(M.lipBottomOuter), p(M.lipBottomInner));
  const lips = [
    ...labSamples(pl, boxAround(lipTop, 0.3 * u, Math.max(2, 0.5 * dist(p(M.lipTopOuter), p(M.lipTopInner))))),
    ...labSamples(pl, boxAround(lipBot, 0.3 * u, Math.max(2, 0.5 * dist(p(M.lipBottomOuter), p(M.lipBottomInner))))),
  ];
  const lipLab = medianLab(lips);
  // Hands: how many of the hand model's keypoints lie on the face (the cheek-to-cheek, brow-to-chin
  // box); checks/face.ts judges.
  const fx0 = Math.min(f.cheekR.x, f.cheekL.x) - 0.2 * u;
  const fx1 = Math.max(f.cheekR.x, f.cheekL.x) + 0.2 * u;
  const fy0 = f.eyesMid.y - 0.8 * u;
  const fy1 = f.chin.y + 0.3 * u;
  const reading = ctx.sourceFace.hand;
  const handOnFace = (reading?.keypoints ?? [])
    .map((k) => apply(ctx.toCrop, k))
    .filter((k) => k.x >= fx0 && k.x <= fx1 && k.y >= fy0 && k.y <= fy1).length;
  // Masks: the skin between the eyes (never under a mask or a fringe) against the mouth and
  // the chin; a white mask also reads as "teeth" over closed lips.
  const bridge = medianLab(labSamples(pl, boxAround(p(168), 0.2 * u, 0.2 * u), 1));
  const mouthBox = boxAround(
    mid(p(M.lipTopOuter), p(M.lipBottomOuter)),
    0.5 * u,
    Math.max(4, dist(p(M.lipTopOuter), p(M.lipBottomOuter))),
  );
  const mouthAll = labSamples(pl, mouthBox, 1);
  const mouthLab = medianLab(mouthAll);
  const lowerAll = medianLab([...mouthAll, ...labSamples(pl, boxAround(chinC, 0.4 * u, 0.2 * u), 2), ...cR, ...cL]);
  return {
    skin,
    bridgeL: bridge.L,
    maskDeltaE: deltaE2000(bridge, lowerAll),
    mouthDeltaE: deltaE2000(bridge, mouthLab),
    mouthWhite:
      mouthAll.filter((l) => l.L > Math.max(60, bridge.L) && chroma(l) < 15).length / Math.max(1, mouthAll.length),
    foreheadL: medianLab(fh).L,
    sideSkinR: medianLab([...ucR, ...cR]),
    sideSkinL: medianLab([...ucL, ...cL]),
    cheekRL: medianLab(cR).L,
    cheekLL: medianLab(cL).L,
    lowerDeltaE: deltaE2000(skin, lowerLab),
    lowerSkin: skinFraction(lower, skin),
    lipRedness: lipLab.a - skin.a,
    lipChroma: chroma(lipLab) - chroma(skin),
    handScore: reading?.score ?? 0,
    handOnFace,
  };
}

export interface FrameMeasures {
  /** Fraction of the face box (cheek to cheek, brows' top to chin) that lies outside the source
   *  photo: the face is cut by the photo's edge and the crop fills that part with background. */
  faceOutside: number;
}

export function frameMeasures(ctx: CheckContext, f: Face): FrameMeasures {
  const u = f.ipd;
  const toSource = invert(ctx.toCrop);
  const { width, height } = ctx.source;
  const x0 = Math.min(f.cheekR.x, f.cheekL.x) - 0.05 * f.faceWidth;
  const x1 = Math.max(f.cheekR.x, f.cheekL.x) + 0.05 * f.faceWidth;
  const y0 = f.eyesMid.y - 0.9 * u;
  const y1 = f.chin.y;
  const step = Math.max(2, (x1 - x0) / 40);
  let out = 0;
  let n = 0;
  for (let y = y0; y < y1; y += step)
    for (let x = x0; x < x1; x += step) {
      const p = apply(toSource, { x, y });
      n++;
      if (p.x < 0 || p.y < 0 || p.x >= width || p.y >= height) out++;
    }
  return { faceOutside: n ? out / n : 0 };
}

export interface EyeRegionMeasures {
  /** p75 L* of the lens interior (eye opening and lids) minus skin L*, the brighter eye. */
  innerL: number;
  innerC: number;
  /** Median L* of the lens interior, the brighter eye. */
  innerAbs: number;
  /** The same, the darker eye (a dark lens whose partner shows a reflection). */
  innerAbsDarker: number;
  /** p90 − p10 L* in the eye opening (sclera against iris), the higher of the two eyes. */
  eyeContrast: number;
  /** Median chroma of the eye opening minus the skin's chroma, the more colourful eye. Sclera,
   *  iris and lashes are less colourful than skin; coloured hair over an eye is not. */
  openingChroma: number;
  /** Lens area (around each eye, lids excluded) median L minus skin L; the darker eye. */
  lensDarkness: number;
  /** Under-eye band (inside a lens) against cheek skin, ΔE2000; the larger. */
  lensTint: number;
  /** p95 L inside the eye opening minus skin L (sclera/specular; very low behind dark lenses). */
  eyeBright: number;
  /** Near-white, low-chroma fraction around the eyes outside the eye opening (lens glare). */
  glare: number;
  /** Fraction of the same lens area whose colour lies far from the skin's (a*b* distance >
   *  LENS_COLOUR_AB, not dark), the larger eye: a coloured lens tints most of it. */
  lensColour: number;
  /** Skin-coloured fraction of the eyelid band between eye and brow, lower of the two. */
  lidSkin: number;
  /** Skin-coloured fraction just above the brows, lower of the two. */
  aboveBrowSkin: number;
  /** Brow band skin fraction (a brow covered by hair reads as dark non-skin over a wider band). */
  browSkin: number;
  /** A glasses frame's bridge across the nose: the strongest thin band (luma levels off the local
   *  mean) in the row profile of the strip between the inner eye corners, brows to eye line. */
  frameBridge: number;
}

/**
 * The bridge of a glasses frame crosses the nose between the eyes as a thin dark (or metal-bright)
 * band; bare skin there is smooth. Row means over the middle half of the gap between the inner eye
 * corners, from 0.9 eye widths above the eye line to 0.4 below; the largest deviation of a row from
 * the mean of its ±0.15-eye-width neighbourhood.
 */
function frameBridge(pl: Planes, f: Face): number {
  const cx = (f.eyeR.inner.x + f.eyeL.inner.x) / 2;
  const half = Math.abs(f.eyeL.inner.x - f.eyeR.inner.x) / 4;
  const eyeY = (f.eyeR.centre.y + f.eyeL.centre.y) / 2;
  const w = (f.eyeR.width + f.eyeL.width) / 2;
  const x0 = Math.max(0, Math.round(cx - half));
  const x1 = Math.min(pl.width - 1, Math.round(cx + half));
  const rows: number[] = [];
  for (let y = Math.max(0, Math.round(eyeY - 0.9 * w)); y <= Math.min(pl.height - 1, eyeY + 0.4 * w); y++) {
    let sum = 0;
    for (let x = x0; x <= x1; x++) sum += pl.luma[y * pl.width + x]!;
    rows.push(sum / Math.max(1, x1 - x0 + 1));
  }
  const r = Math.max(2, Math.round(0.15 * w));
  let best = 0;
  for (let i = r; i < rows.length - r; i++) {
    let sum = 0;
    for (let k = -r; k <= r; k++) sum += rows[i + k]!;
    best = Math.max(best, Math.abs(rows[i]! - sum / (2 * r + 1)));
  }
  return best;
}

/** Lens colour: skin seen through a clear lens stays within this a*b* distance of the cheeks'; dark
 *  pixels (frames, lashes, shadow) are left to the darkness measures. */
const LENS_COLOUR_AB = 25;
const LENS_COLOUR_MIN_L = 35;

export function eyeRegionMeasures(pl: Planes, f: Face, s: SkinMeasures): EyeRegionMeasures {
  const u = f.ipd;
  const skin = s.skin;
  const per = (e: Eye, brow: readonly number[], sideSkin: Lab) => {
    const w = e.width;
    const lens = labSamples(pl, boxAround(e.centre, 1.3 * w, 1.0 * w), 2);
    const open = labSamples(pl, boxAround(e.centre, 0.8 * w, Math.max(2, e.opening)), 1);
    const inner = labSamples(pl, boxAround({ x: e.centre.x, y: e.centre.y + 0.05 * w }, 0.9 * w, 0.45 * w), 1);
    const under = labSamples(pl, boxAround({ x: e.centre.x, y: e.centre.y + 0.35 * w }, 0.7 * w, 0.18 * w), 1);
    // Glare: the lens box outside the eye opening.
    const lensBox = box(pl, boxAround({ x: e.centre.x, y: e.centre.y + 0.1 * w }, 1.3 * w, 0.8 * w));
    const openBox = box(pl, boxAround(e.centre, 1.05 * w, Math.max(3, e.opening * 1.4)));
    let glare = 0;
    let coloured = 0;
    let n = 0;
    const d = pl.img.data;
    const c = pl.img.channels;
    const limit = Math.max(skin.L + 20, 85);
    for (let y = lensBox.y0; y < lensBox.y1; y++)
      for (let x = lensBox.x0; x < lensBox.x1; x++) {
        if (x >= openBox.x0 && x < openBox.x1 && y >= openBox.y0 && y < openBox.y1) continue;
        n++;
        const i = (y * pl.width + x) * c;
        const l = fastLab(d[i]!, d[i + 1]!, d[i + 2]!);
        if (l.L > limit && chroma(l) < 15) glare++;
        if (l.L > LENS_COLOUR_MIN_L && Math.hypot(l.a - skin.a, l.b - skin.b) > LENS_COLOUR_AB) coloured++;
      }
    const browPts = brow.map((i) => f.mesh[i]!);
    const browY = mean(browPts.map((q) => q.y));
    const browX = mean(browPts.map((q) => q.x));
    const lidY = (browY + e.centre.y) / 2;
    const lid = labSamples(
      pl,
      boxAround({ x: e.centre.x, y: lidY }, 0.6 * w, Math.max(2, 0.3 * (e.centre.y - browY))),
      1,
    );
    const above = labSamples(pl, boxAround({ x: browX, y: browY - 0.18 * u }, 0.8 * w, 0.12 * u), 1);
    const browBand = labSamples(pl, boxAround({ x: browX, y: browY }, 0.9 * w, 0.12 * u), 1);
    return {
      lens: medianLab(lens).L - skin.L,
      innerL:
        quantile(
          inner.map((l) => l.L),
          0.75,
        ) - skin.L,
      innerC: median(inner.map(chroma)),
      innerAbs: median(inner.map((l) => l.L)),
      openC: median(open.map(chroma)),
      contrast:
        quantile(
          open.map((l) => l.L),
          0.9,
        ) -
        quantile(
          open.map((l) => l.L),
          0.1,
        ),
      tint: under.length ? deltaE2000(medianLab(under), skin) : 0,
      eyeBright:
        quantile(
          open.map((l) => l.L),
          0.95,
        ) - skin.L,
      glare: glare / Math.max(1, n),
      colour: coloured / Math.max(1, n),
      lid: skinFraction(lid, skin),
      // Judged against the same side's skin: side light must not read as a fringe.
      above: skinFraction(above, sideSkin),
      brow: skinFraction(browBand, sideSkin),
    };
  };
  const r = per(f.eyeR, M.rBrow, s.sideSkinR);
  const l = per(f.eyeL, M.lBrow, s.sideSkinL);
  return {
    innerL: Math.max(r.innerL, l.innerL),
    innerC: (r.innerC + l.innerC) / 2,
    innerAbs: Math.max(r.innerAbs, l.innerAbs),
    innerAbsDarker: Math.min(r.innerAbs, l.innerAbs),
    eyeContrast: Math.max(r.contrast, l.contrast),
    openingChroma: Math.max(r.openC, l.openC) - chroma(skin),
    lensDarkness: Math.min(r.lens, l.lens),
    lensTint: Math.max(r.tint, l.tint),
    eyeBright: Math.min(r.eyeBright, l.eyeBright),
    glare: Math.max(r.glare, l.glare),
    lensColour: Math.max(r.colour, l.colour),
    lidSkin: Math.min(r.lid, l.lid),
    aboveBrowSkin: Math.min(r.above, l.above),
    browSkin: Math.min(r.brow, l.brow),
    frameBridge: frameBridge(pl, f),
  };
}

export interface HeadMeasures {
  /** Foreground above the forehead top (mesh 10) up to the crown, / eye distance. */
  crownHeight: number;
  /** Region just above the hairline: chroma of the median colour of its person pixels that are
   *  not skin (hair or a covering; NaN without any). High foreheads and receding hairlines bring
   *  forehead skin into the region, and a warm skin's chroma would read as a coloured scarf. */
  topChroma: number;
  /** Share of the region's person pixels that are not skin. */
  topCover: number;
  /** Share of that region on the person (matte ≥ 128): small where the photo cuts the head top. */
  topOnPerson: number;
  /** Stripe strength (stripes.ts) of the person over the head top, from just above the hairline
   *  up to 0.9 eye distances above it: a knitted or ribbed covering repeats at one period, hair
   *  does not. */
  topPattern: number;
  /** Forehead L minus cheek L (a brim shades the forehead). */
  foreheadShade: number;
  /** Forehead skin fraction. */
  foreheadSkin: number;
  /** Foreground width at 0.6 eye distance above the forehead top, / face width. */
  topWidth: number;
}

export function headMeasures(pl: Planes, f: Face, s: SkinMeasures): HeadMeasures {
  const u = f.ipd;
  const skin = s.skin;
  const top = f.mesh[M.foreheadTop]!;
  const cx = Math.round(top.x);
  // Crown: walk up from the forehead top over ±0.3 u columns while the matte is foreground.
  let crown = top.y;
  for (let dx = -Math.round(0.3 * u); dx <= Math.round(0.3 * u); dx += 3) {
    const x = Math.min(pl.width - 1, Math.max(0, cx + dx));
    let gap = 0;
    for (let y = Math.round(top.y); y >= 0; y--) {
      if (pl.alpha[y * pl.width + x]! >= 128) {
        if (y < crown) crown = y;
        gap = 0;
      } else if (++gap > 4) break;
    }
  }
  const topBox = boxAround({ x: top.x, y: top.y - 0.35 * u }, 1.0 * u, 0.3 * u);
  const region = labSamples(pl, topBox, 2, 128);
  const cover = region.filter((l) => !isSkin(l, skin));
  const fhSamples = labSamples(pl, boxAround(mid(f.mesh[M.foreheadMid]!, top), 0.9 * u, 0.3 * u), 2);
  const y = Math.round(top.y - 0.6 * u);
  let w = 0;
  if (y >= 0) for (let x = 0; x < pl.width; x++) if (pl.alpha[y * pl.width + x]! >= 128) w++;
  return {
    crownHeight: (top.y - crown) / u,
    topChroma: cover.length ? chroma(medianLab(cover)) : Number.NaN,
    topCover: region.length ? cover.length / region.length : 0,
    topOnPerson: region.length / Math.max(1, sampleCount(pl, topBox, 2)),
    topPattern: stripeStrength(pl, box(pl, boxAround({ x: top.x, y: top.y - 0.5 * u }, 2 * u, 0.8 * u)), () => true),
    foreheadShade: s.foreheadL - (s.cheekRL + s.cheekLL) / 2,
    foreheadSkin: skinFraction(fhSamples, skin),
    topWidth: w / Math.max(1, f.faceWidth),
  };
}

export interface SideMeasures {
  /** Skin fraction just outside each cheek at ear height (image left = subject's right). No rule
   *  reads it (it ranked covered ears below good photos); the learned checks' evidence does. */
  earSkinR: number;
  earSkinL: number;
  /** Hair where an ear should show, the larger side: the share of the band beside the cheek
   *  contour (out to 0.4 × the pupil distance, from the eye line down to the nose tip) that is on
   *  the person (matte ≥ 200) and not skin. A visible ear is skin there, and the background shows
   *  past it; hair brushed over the ear is person but not skin. */
  earHair: number;
  /** Glint fraction beside the jaw between ear lobe and chin (earrings), the larger side. */
  earGlint: number;
  /** Bright-spot / high-contrast fraction on the neck below the chin (necklace). */
  neckSpark: number;
  /** Shoulder line angle in the source, degrees; null without confident keypoints. */
  shoulderAngle: number | null;
}

/** Fraction of the person's pixels in a box that are much brighter than the skin. */
function sparkle(pl: Planes, b: Box, refL: number): number {
  const bb = box(pl, b);
  let n = 0;
  let k = 0;
  for (let y = bb.y0; y < bb.y1; y++)
    for (let x = bb.x0; x < bb.x1; x++) {
      const i = y * pl.width + x;
      if (pl.alpha[i]! < 200) continue;
      n++;
      if (pl.luma[i]! > refL + 45) k++;
    }
  return n ? k / n : 0;
}

/** How many pixels labSamples visits in a box at `step` (before any matte filter). */
function sampleCount(pl: Planes, b: Box, step: number): number {
  const c = clampBox(b, pl.width, pl.height);
  return Math.max(0, Math.ceil((c.x1 - c.x0) / step)) * Math.max(0, Math.ceil((c.y1 - c.y0) / step));
}

/** Glints: pixels this much brighter (luma) than the mean of their 5×5 neighbourhood. */
const GLINT_LUMA = 30;

/**
 * Fraction of glints in the band beside the jaw, from the ear lobe down to the chin: metal and
 * stones hanging from the lobe catch the light in small bright points; skin, hair in the shade and
 * plain backgrounds do not. Collars start below the chin, so the band stops there.
 */
function earGlint(pl: Planes, f: Face, jaw: number, lobe: number, outward: -1 | 1): number {
  const u = f.ipd;
  const jx = f.mesh[jaw]!.x;
  const inner = jx - outward * 0.05 * u;
  const outer = jx + outward * 0.5 * u;
  // 2-px border: the 5×5 neighbourhood must lie inside the crop.
  const x0 = Math.max(2, Math.round(Math.min(inner, outer)));
  const x1 = Math.min(pl.width - 2, Math.round(Math.max(inner, outer)));
  const y0 = Math.max(2, Math.round(f.mesh[lobe]!.y));
  const y1 = Math.min(pl.height - 2, Math.round(f.chin.y));
  const w = pl.width;
  let n = 0;
  let glints = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = y * w + x;
      let s = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) s += pl.luma[i + dy * w + dx]!;
      n++;
      if (pl.luma[i]! > s / 25 + GLINT_LUMA) glints++;
    }
  return n ? glints / n : 0;
}

/** SideMeasures.earHair on one side: the share of the band's samples on the person and not skin. */
function earHair(pl: Planes, band: Box, skin: Lab): number {
  const n = sampleCount(pl, band, 2);
  return n ? labSamples(pl, band, 2, 200).filter((s) => !isSkin(s, skin)).length / n : 0;
}

export function sideMeasures(ctx: CheckContext, pl: Planes, f: Face, skin: Lab): SideMeasures {
  const u = f.ipd;
  const p = (i: number) => f.mesh[i]!;
  const nose = p(M.noseTip);
  const earY = (f.eyesMid.y + nose.y) / 2;
  const earBand = (x0: number, x1: number): Box => ({ x0, x1, y0: f.eyesMid.y, y1: nose.y });
  const earBoxR = boxAround({ x: f.cheekR.x - 0.2 * u, y: earY }, 0.25 * u, 0.4 * u);
  const earBoxL = boxAround({ x: f.cheekL.x + 0.2 * u, y: earY }, 0.25 * u, 0.4 * u);
  const skinL = skinFraction(labSamples(pl, earBoxR, 2), skin);
  const skinR2 = skinFraction(labSamples(pl, earBoxL, 2), skin);
  // Skin luma for the sparkle reference.
  const refL = median(lumaSamples(pl, boxAround(p(M.cheekCentreR), 0.3 * u, 0.3 * u), 2));
  const neck = boxAround({ x: f.chin.x, y: f.chin.y + 0.9 * u }, 1.4 * u, 0.9 * u);
  const neckSpark = sparkle(pl, neck, refL);
  const ls = ctx.cropBody.find((k) => k.part === 'leftShoulder');
  const rs = ctx.cropBody.find((k) => k.part === 'rightShoulder');
  let shoulderAngle: number | null = null;
  if (ls && rs && ls.score >= 0.3 && rs.score >= 0.3) {
    // The crop is rotated against the source by the roll correction; measure against the source.
    const cropRot = Math.atan2(ctx.toCrop.d, ctx.toCrop.a) * RAD;
    const a = Math.atan2(ls.y - rs.y, ls.x - rs.x) * RAD;
    shoulderAngle = a - cropRot;
    if (shoulderAngle > 180) shoulderAngle -= 360;
    if (shoulderAngle < -180) shoulderAngle += 360;
  }
  return {
    earSkinR: skinL,
    earSkinL: skinR2,
    earHair: Math.max(
      earHair(pl, earBand(f.cheekR.x - 0.4 * u, f.cheekR.x), skin),
      earHair(pl, earBand(f.cheekL.x, f.cheekL.x + 0.4 * u), skin),
    ),
    earGlint: Math.max(earGlint(pl, f, M.jawMouthR, M.jawLobeR, -1), earGlint(pl, f, M.jawMouthL, M.jawLobeL, 1)),
    neckSpark,
    shoulderAngle,
  };
}

export interface ClothingMeasures {
  /** Clothing against the chosen background, ΔE2000 of the median colour. */
  contrast: number;
  /** Mean gradient magnitude in the clothing region, luma/px. */
  texture: number;
  /** Stripe strength (stripes.ts): autocorrelation peak of luma across the clothes, 0–1. */
  stripes: number;
}

export function clothingMeasures(ctx: CheckContext, pl: Planes, f: Face): ClothingMeasures {
  const u = f.ipd;
  const b = box(pl, { x0: f.chin.x - 2.2 * u, y0: f.chin.y + 1.3 * u, x1: f.chin.x + 2.2 * u, y1: pl.height - 2 });
  const samples = labSamples(pl, b, 3, 220);
  const bg = ctx.spec.backgrounds[ctx.background] ?? [255, 255, 255];
  const bgLab = rgbToLab(bg[0], bg[1], bg[2]);
  const cl = samples.length ? medianLab(samples) : bgLab;
  let g = 0;
  let n = 0;
  for (let y = b.y0 + 1; y < b.y1 - 1; y += 2)
    for (let x = b.x0 + 1; x < b.x1 - 1; x += 2) {
      const i = y * pl.width + x;
      if (pl.alpha[i]! < 250 || pl.alpha[i - 1]! < 250 || pl.alpha[i + 1]! < 250) continue;
      if (pl.alpha[i - pl.width]! < 250 || pl.alpha[i + pl.width]! < 250) continue;
      g += Math.abs(pl.luma[i + 1]! - pl.luma[i - 1]!) + Math.abs(pl.luma[i + pl.width]! - pl.luma[i - pl.width]!);
      n++;
    }
  // Stripes: the clothes below the neck and beside it (a shirt's shoulders reach up to the chin),
  // away from the face and neck, which are skin and never striped.
  const stripes = stripeStrength(
    pl,
    box(pl, { x0: f.chin.x - 2.2 * u, y0: f.chin.y - 0.5 * u, x1: f.chin.x + 2.2 * u, y1: pl.height - 2 }),
    (x, y) => y > f.chin.y + 0.8 * u || Math.abs(x - f.chin.x) > u,
  );
  return {
    contrast: samples.length > 50 ? deltaE2000(cl, bgLab) : Number.NaN,
    texture: n > 50 ? g / n / 2 : 0,
    stripes,
  };
}

export interface LightMeasures {
  /** Face luminance: median L* of the skin boxes. */
  faceL: number;
  /** Background (matte < 64, inside the source) median L* minus face L*. */
  backgroundMinusFace: number;
  /** |cheek L* right − left|. */
  sideDiff: number;
  /** Clipped (L* > 97) fraction of the face box. */
  clipped: number;
  /** p99 luma of the face box: the eyes' whites, teeth and skin highlights. Stays bright on dark
   *  skin in good light and drops when the whole photo is underexposed. */
  highlight: number;
  /** p99 luma of the whole source photo: a window, a lamp or a white shirt anywhere keeps it
   *  high; an underexposed photo has nothing near white. */
  photoHighlight: number;
}

/** Every this-many-th pixel of the analysis image is read for its highlight level: ~30k samples
 *  of the set's median 0.53 Mpx, plenty for a p99; 0.66 ms a photo against 2.06 ms at every 5th.
 *  Prime, so that the samples do not fall in the same columns row after row. */
const PHOTO_STEP = 17;

/** p99 of integer luma over every PHOTO_STEP-th pixel, by histogram. */
function photoHighlight(img: RawImage): number {
  const hist = new Uint32Array(256);
  const n = img.width * img.height;
  let count = 0;
  for (let i = 0; i < n; i += PHOTO_STEP) {
    hist[Math.round(luma(img.data, i * img.channels))]!++;
    count++;
  }
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= 0.99 * count) return v;
  }
  return 255;
}

export function lightMeasures(pl: Planes, f: Face, s: SkinMeasures, source: RawImage): LightMeasures {
  const bgL: number[] = [];
  const d = pl.img.data;
  const c = pl.img.channels;
  for (let y = 0; y < pl.height; y += 4)
    for (let x = 0; x < pl.width; x += 4) {
      const i = y * pl.width + x;
      if (pl.alpha[i]! >= 64) continue;
      if (d[i * c] === 0 && d[i * c + 1] === 0 && d[i * c + 2] === 0) continue;
      bgL.push(pl.luma[i]!);
    }
  const u = f.ipd;
  const faceBox = boxAround({ x: f.eyesMid.x, y: f.eyesMid.y + 0.5 * u }, 1.4 * u, 1.4 * u);
  const ls = lumaSamples(pl, faceBox, 2);
  const clipped = ls.filter((v) => v > 250).length / Math.max(1, ls.length);
  const highlight = ls.length ? quantile(ls, 0.99) : 0;
  // Luma → L* for the background (approximate, through the grey axis).
  const bgMed = bgL.length > 100 ? rgbToLab(...grey(median(bgL))).L : s.skin.L;
  return {
    faceL: s.skin.L,
    backgroundMinusFace: bgMed - s.skin.L,
    sideDiff: Math.abs(s.sideSkinR.L - s.sideSkinL.L),
    clipped,
    highlight,
    photoHighlight: photoHighlight(source),
  };
}

const grey = (v: number): [number, number, number] => {
  const g = Math.max(0, Math.min(255, Math.round(v)));
  return [g, g, g];
};

export interface ImageMeasures {
  /** Mean |Laplacian| over the eyes and nose, luma units. */
  laplacian: number;
  /** Same, divided by the region's luma standard deviation (contrast-free). */
  laplacianNorm: number;
  /** p90 chroma over the person (matte ≥ 128). */
  chromaP90: number;
  /** Face skin chroma. */
  skinChroma: number;
}

export function imageMeasures(pl: Planes, f: Face, skin: Lab): ImageMeasures {
  const u = f.ipd;
  const b = box(pl, boxAround({ x: f.eyesMid.x, y: f.eyesMid.y + 0.25 * u }, 1.6 * u, 0.9 * u));
  let lap = 0;
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  const w = pl.width;
  for (let y = b.y0 + 1; y < b.y1 - 1; y++)
    for (let x = b.x0 + 1; x < b.x1 - 1; x++) {
      const i = y * w + x;
      const v = pl.luma[i]!;
      lap += Math.abs(4 * v - pl.luma[i - 1]! - pl.luma[i + 1]! - pl.luma[i - w]! - pl.luma[i + w]!);
      sum += v;
      sum2 += v * v;
      n++;
    }
  const m = sum / Math.max(1, n);
  const sd = Math.sqrt(Math.max(0, sum2 / Math.max(1, n) - m * m));
  const all = labSamples(pl, { x0: 0, y0: 0, x1: pl.width, y1: pl.height }, 8, 128);
  return {
    laplacian: lap / Math.max(1, n),
    laplacianNorm: lap / Math.max(1, n) / Math.max(1, sd),
    chromaP90: quantile(all.map(chroma), 0.9),
    skinChroma: chroma(skin),
  };
}

export type { Point };
