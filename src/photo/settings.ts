// Engine settings read from the environment (thresholds live in thresholds.ts).
import type { MattingModel } from './types.js';

/** KAOZHAO_MATTING=selfie trades hair detail for speed (~20 ms instead of ~0.4 s per photo), and
 *  avoids RVM's GPL-3.0 weights. */
export const DEFAULT_MATTING: MattingModel = process.env.KAOZHAO_MATTING === 'selfie' ? 'selfie' : 'rvm';

/**
 * Nice value of each photo worker thread (KAOZHAO_PHOTO_NICE, 0–19, default 10). Making a photo
 * takes a core for about a second; at the default, an API request on the same machine is served
 * first, so identify and submit stay quick while photos queue. 0 keeps the normal priority.
 */
export const PHOTO_WORKER_NICE = Math.min(19, Math.max(0, Number(process.env.KAOZHAO_PHOTO_NICE ?? 10) || 0));
