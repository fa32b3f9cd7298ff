// Engine settings read from the environment (thresholds live in thresholds.ts).
import type { MattingModel } from './types.js';

/** KAOZHAO_MATTING=selfie trades hair detail for speed (~20 ms instead of ~0.4 s per photo), and
 *  avoids RVM's GPL-3.0 weights. */
export const DEFAULT_MATTING: MattingModel = process.env.KAOZHAO_MATTING === 'selfie' ? 'selfie' : 'rvm';
