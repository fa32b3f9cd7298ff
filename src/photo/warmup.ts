// One photo made at worker start, before the worker reports ready. The first call of each network
// pays for its setup (tfjs-wasm growing its heap and preparing kernels, onnxruntime planning its
// buffers): about a second, which would otherwise land on the first student's photo and on the
// pool's per-job time limit. The photo is the face sample @vladmandic/human ships for its own
// warm-up (src/sample.ts in the package), so nothing is fetched and no student photo is kept.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { makeIdPhoto } from './pipeline.js';
import { INPUT_LIMITS } from './thresholds.js';

const require = createRequire(import.meta.url);

/** The JPEG of Human's warm-up face, or null where the package no longer ships it. */
export function sampleFace(): Uint8Array | null {
  try {
    const file = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'src', 'sample.ts');
    const source = readFileSync(file, 'utf8');
    const start = source.indexOf('`', source.indexOf('export const face'));
    const end = source.indexOf('`', start + 1);
    if (start < 0 || end < 0) return null;
    const jpeg = Buffer.from(source.slice(start + 1, end).replace(/\s+/g, ''), 'base64');
    return jpeg[0] === 0xff && jpeg[1] === 0xd8 ? new Uint8Array(jpeg) : null;
  } catch {
    return null;
  }
}

/**
 * Makes the sample photo once (the face, the checks' networks, both mattes). Whether it succeeds
 * changes nothing but the first photo's time, so a failure is not an error here: a broken model
 * shows itself on the first real photo, with that photo's error.
 */
export async function warmUp(): Promise<boolean> {
  const sample = sampleFace();
  if (!sample) return false;
  try {
    // At the analysis size a phone photo is decoded to: the detector's input and the buffers behind
    // it then reach their working size here, not on the first real photo (a 256-px sample left the
    // first 12 MP photo 1.2–1.6 s instead of ~0.5 s).
    const side = INPUT_LIMITS.analysisLongSide;
    const large = await sharp(sample).resize(side, side).jpeg({ quality: 90 }).toBuffer();
    await makeIdPhoto(new Uint8Array(large.buffer, large.byteOffset, large.byteLength));
    return true;
  } catch {
    return false;
  }
}
