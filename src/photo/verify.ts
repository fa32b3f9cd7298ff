// 1:1 verification (exam entry): describeFace embeds the face of any photo, including small live
// frames that the ID-photo engine itself refuses, and cosineSimilarity compares two descriptions.
// The description is face/embedding.ts faceDescription (face-api's FaceRecognitionNet on dlib's
// aligned face chip), the same one makeIdPhoto stores as face.embedding, so a live frame compares
// with the collected photo's.
import sharp, { type Sharp } from 'sharp';
import { KaozhaoError } from '../domain/errors.js';
import { checkInput } from './decode.js';
import { faceDescription } from './face/embedding.js';
import { analyze } from './face/human.js';
import { INPUT_LIMITS, MAKING } from './thresholds.js';
import type { RawImage } from './types.js';

export { cosineSimilarity, FACE_DESCRIPTION_LENGTH, VERIFY_THRESHOLD } from './similarity.js';

export interface FaceDescription {
  embedding: number[];
  /** Face-mesh confidence of the described face (0..1). */
  score: number;
  /** The mesh model doubts the face (below MAKING.faceScore): half of it is likely covered by a
   *  mask or sunglasses, so a comparison would say "another person" for the wrong reason. */
  covered: boolean;
  /** Human's anti-spoof score (1 = a real face) when the model ran: advisory at exam entry only. */
  real?: number;
}

export interface DescribeOptions {
  /** Images whose short side is below this are enlarged to it before detection (default 256). */
  minSide?: number;
  /** Grey border around an enlarged small image, fraction of its long side (default 0.25). */
  pad?: number;
}

const DEFAULTS: Required<DescribeOptions> = { minSide: 256, pad: 0.25 };

/**
 * RGB for the face models: EXIF-oriented, long side at most INPUT_LIMITS.analysisLongSide, and
 * small images enlarged (with a grey border) so the detector, which works at 256 px on the padded
 * square, still finds a face that fills a tiny frame.
 */
export async function prepareImage(
  input: Buffer | Uint8Array | RawImage,
  opts: DescribeOptions = {},
): Promise<RawImage> {
  const o = { ...DEFAULTS, ...opts };
  const src =
    input instanceof Uint8Array
      ? sharp(input, { limitInputPixels: INPUT_LIMITS.maxPixels, failOn: 'truncated' }).rotate()
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: input.channels } });
  const rgb = await src.flatten({ background: '#ffffff' }).toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({
    resolveWithObject: true,
  });
  let { width, height } = rgb.info;
  let pipeline: Sharp | null = null;
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const raw = { raw: { width, height, channels: rgb.info.channels } } as const;
  if (long > INPUT_LIMITS.analysisLongSide) {
    const s = INPUT_LIMITS.analysisLongSide / long;
    width = Math.round(width * s);
    height = Math.round(height * s);
    pipeline = sharp(rgb.data, raw).resize({ width, height, fit: 'fill' });
  } else if (short < o.minSide) {
    const s = o.minSide / short;
    width = Math.round(width * s);
    height = Math.round(height * s);
    const enlarged = await sharp(rgb.data, raw)
      .resize({ width, height, fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const p = Math.round(o.pad * Math.max(width, height));
    pipeline = sharp(enlarged.data, { raw: { width, height, channels: rgb.info.channels } }).extend({
      top: p,
      bottom: p,
      left: p,
      right: p,
      background: { r: 128, g: 128, b: 128 },
    });
  }
  const out = pipeline ? await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true }) : rgb;
  return {
    data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength),
    width: out.info.width,
    height: out.info.height,
    channels: 3,
  };
}

/**
 * The description of the largest face in a photo or camera frame, or null when there is no face.
 * Unlike makeIdPhoto this accepts small images (a 112×112 face crop still embeds).
 */
export async function describeFace(
  input: Buffer | Uint8Array | RawImage,
  opts: DescribeOptions = {},
): Promise<FaceDescription | null> {
  let image: RawImage;
  if (input instanceof Uint8Array) {
    // The same refusals as the engine's decode, so a bad camera frame gets a clear code.
    checkInput(input);
    try {
      image = await prepareImage(input, opts);
    } catch (cause) {
      const tooLarge = /pixel limit/i.test((cause as Error)?.message ?? '');
      throw KaozhaoError.of(tooLarge ? 'image.too_large' : 'image.corrupt', { cause });
    }
  } else {
    image = await prepareImage(input, opts);
  }
  const { faces } = await analyze(image);
  const face = faces[0];
  if (!face) return null;
  return {
    embedding: await faceDescription(image, face.mesh),
    score: face.score,
    covered: face.score < MAKING.faceScore,
    ...(face.real === undefined ? {} : { real: face.real }),
  };
}
