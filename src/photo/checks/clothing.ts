// Clothes against the chosen background colour, and busy patterns or stripes.
import { BACKGROUND_LABELS, type BackgroundName } from '../../domain/backgrounds.js';
import type { CheckResult } from '../../domain/checks.js';
import { COMPLIANCE } from '../thresholds.js';
import { graded } from './grade.js';
import type { ClothingMeasures } from './measures.js';
import { check } from './result.js';

const T = COMPLIANCE.clothing;

const TOO_LITTLE = ['照片中衣服区域太小，未判断', 'Too little clothing in frame to judge'] as const;

export function clothingChecks(c: ClothingMeasures, background: BackgroundName): CheckResult[] {
  const bgZh = BACKGROUND_LABELS[background];
  // No contrast value: too little of the clothes below the chin to judge them.
  const enough = Number.isFinite(c.contrast);
  const contrast = enough
    ? graded(
        'clothing.contrast',
        c.contrast,
        `ΔE2000 clothes–background > ${T.contrast.warn} pass, > ${T.contrast.fail} warn`,
        {
          pass: ['衣服与背景区分明显', 'Clothes distinct from the background'],
          warn: [`衣服颜色与${bgZh}背景接近，建议换深色或对比明显的衣服`, 'Clothes close to the background colour'],
          fail: [
            `衣服颜色与${bgZh}背景几乎相同，请换一件颜色不同的衣服后重拍`,
            'Clothes match the background: wear a different colour',
          ],
        },
        'ΔE',
        (v) => (v <= T.contrast.fail ? 'fail' : v <= T.contrast.warn ? 'warn' : 'pass'),
      )
    : check('clothing.contrast', 'pass', null, `ΔE2000 clothes–background > ${T.contrast.warn}`, ...TOO_LITTLE);
  // Stripes are also measured beside the neck, so a shirt that barely shows below the chin can
  // still be judged striped; texture needs the clothes below it.
  const striped = c.stripes >= T.stripes.warn;
  const patternRule = `mean gradient < ${T.texture.warn} and stripe strength < ${T.stripes.warn} pass, else warn`;
  const pattern =
    !enough && !striped
      ? check('clothing.pattern', 'pass', null, patternRule, ...TOO_LITTLE)
      : graded(
          'clothing.pattern',
          // The value shown is the measure that decided: stripe strength when striped, else texture.
          striped ? c.stripes : c.texture,
          patternRule,
          {
            pass: ['衣服无复杂图案', 'No busy patterns'],
            warn: ['衣服图案或条纹较复杂，建议换纯色衣服', 'Busy pattern or stripes: wear plain clothes'],
            fail: ['', ''],
          },
          undefined,
          () => (striped || c.texture >= T.texture.warn ? 'warn' : 'pass'),
        );
  return [contrast, pattern];
}
