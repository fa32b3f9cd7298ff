// Head covering, hair over the eyes and eyebrows, ears visible and symmetric.
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import type { EyeMeasures, EyeRegionMeasures, HeadMeasures, SideMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.head;

export function coveringCheck(h: HeadMeasures): CheckResult {
  // Warn only: a brim or covering shades the forehead against the cheeks, a scarf is coloured
  // where hair is not; a dark fringe looks like the former, so neither can block a photo.
  const shaded = h.foreheadShade <= T.foreheadShade.warn;
  // The top of the head is judged only where the photo shows it, and on what is not skin there.
  const coloured = h.topOnPerson >= T.topOnPerson && h.topCover >= T.topCover && h.topChroma >= T.topChroma.warn;
  // A knitted hat in the colours of hair still repeats its stitches.
  const knitted = h.topPattern >= T.topPattern;
  const covered = shaded || coloured || knitted;
  return check(
    'head.covering',
    covered ? 'warn' : 'pass',
    h.foreheadShade,
    `forehead − cheek L* > ${T.foreheadShade.warn}, top-of-head chroma < ${T.topChroma.warn} (judged where ≥ ${T.topOnPerson * 100}% of it is on the person and ≥ ${T.topCover * 100}% of that is not skin) and top-of-head stripe strength < ${T.topPattern} pass, else warn`,
    covered ? '头部可能有帽子、头巾或头饰，请摘下后拍摄' : '未见帽子或头部覆盖物',
    covered ? 'Possible hat, scarf or head accessory: remove it' : 'No head covering seen',
    'ΔL*',
  );
}

/** `laplacian`: the face's sharpness (ImageMeasures.laplacian). */
export function hairChecks(r: EyeRegionMeasures, e: EyeMeasures, lensRatio: number, laplacian: number): CheckResult[] {
  // Hair over an eye: the eye is open by its contour but its opening shows no sclera contrast, or
  // is more colourful than the skin (red or blond strands across it), and it is not behind dark
  // lenses (that is glasses.tinted). Warn only. A face blurred past image.sharpness' fail level has
  // no contrast anywhere: that is its advice, not hair's.
  const open = Math.min(e.earR, e.earL) > COMPLIANCE.eyes.open.warn;
  const sharp = laplacian > COMPLIANCE.image.sharpness.fail;
  const clear = lensRatio > COMPLIANCE.glasses.lensRatio.fail;
  const dull = r.eyeContrast < T.hairEyeContrast;
  const coloured = r.openingChroma >= T.hairEyeChroma;
  const hidden = open && sharp && clear && (dull || coloured);
  // The value shown is the measure that speaks: contrast, unless only the colour is off.
  const byColour = coloured && !dull;
  const eyes = check(
    'hair.eyes',
    hidden ? 'warn' : 'pass',
    byColour ? r.openingChroma : r.eyeContrast,
    `open eye with sclera contrast ≥ ${T.hairEyeContrast} L* and opening chroma − skin chroma < ${T.hairEyeChroma} pass, else warn (unless the face fails image.sharpness)`,
    hidden ? '头发可能遮挡眼睛，请将头发拨开露出双眼' : '头发未遮挡眼睛',
    hidden ? 'Hair may cover the eyes: move it aside' : 'Hair clear of the eyes',
    byColour ? 'ΔC*' : 'ΔL*',
  );
  const covered = r.aboveBrowSkin < T.aboveBrowSkin && r.browSkin < T.browSkin;
  const brows = check(
    'hair.eyebrows',
    covered ? 'warn' : 'pass',
    r.aboveBrowSkin,
    `skin above the brows ≥ ${T.aboveBrowSkin} or on the brow band ≥ ${T.browSkin} pass, else warn`,
    covered ? '刘海可能遮挡眉毛，请将头发拨开露出眉毛' : '头发未遮挡眉毛',
    covered ? 'A fringe may cover the eyebrows: move it aside' : 'Hair clear of the eyebrows',
  );
  return [eyes, brows];
}

/**
 * Ears: hair where an ear should show (SideMeasures.earHair). Warns from about the good photos'
 * median reading; calibration.json's gate (learned/model.ts) keeps only the warns as far out as
 * the labelled covered ears justify, chosen with the rest of the report's review budget.
 */
export function earsCheck(s: SideMeasures): CheckResult {
  const covered = s.earHair >= T.earHair;
  return check(
    'ears.visible',
    covered ? 'warn' : 'pass',
    s.earHair,
    `hair beside the cheek at ear height < ${T.earHair} pass, else warn`,
    covered ? '头发可能遮住耳朵，请将头发别到耳后、露出双耳' : '双耳可见',
    covered ? 'Hair may cover your ears: tuck it behind them' : 'Ears visible',
  );
}
