// Stage 1: validate the upload and decode it. The header is read before any pixel is decoded, so a
// decompression bomb is refused by its declared size, and sharp's own pixel limit backs that up.
import sharp, { type Metadata, type Sharp } from 'sharp';
import { KaozhaoError } from '../domain/errors.js';
import { INPUT_LIMITS } from './thresholds.js';
import type { RawImage } from './types.js';

export type InputFormat = 'jpeg' | 'png' | 'webp';

export interface Decoded {
  input: Uint8Array;
  format: InputFormat;
  /** Size after EXIF orientation. */
  width: number;
  height: number;
  /** RGB, EXIF-oriented, shrunk so the long side is at most INPUT_LIMITS.analysisLongSide. */
  image: RawImage;
  /** image px per oriented source px (≤ 1). */
  scale: number;
}

function startsWith(buf: Uint8Array, bytes: number[], offset = 0): boolean {
  return bytes.every((b, i) => buf[offset + i] === b);
}

const ascii = (buf: Uint8Array, from: number, to: number) => Buffer.from(buf.subarray(from, to)).toString('latin1');

/** Identify the container from its magic bytes; the file name and MIME type are not trusted. */
export function sniff(buf: Uint8Array): InputFormat | 'heic' | 'gif' | 'unknown' {
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 12) === 'WEBP') return 'webp';
  if (ascii(buf, 0, 4) === 'GIF8') return 'gif';
  if (ascii(buf, 4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(ascii(buf, 8, 12)))
    return 'heic';
  return 'unknown';
}

function sharpOf(input: Uint8Array): Sharp {
  return sharp(input, { limitInputPixels: INPUT_LIMITS.maxPixels, failOn: 'truncated', sequentialRead: true });
}

/** The refusals made from the bytes alone (size, container), before anything is decoded. */
export function checkInput(input: Uint8Array): InputFormat {
  if (input.byteLength === 0) throw KaozhaoError.of('image.empty');
  if (input.byteLength > INPUT_LIMITS.maxBytes) throw KaozhaoError.of('image.file_too_large');
  const kind = sniff(input);
  if (kind === 'heic') throw KaozhaoError.of('image.heic');
  if (kind === 'gif' || kind === 'unknown') throw KaozhaoError.of('image.unsupported_type');
  return kind;
}

/**
 * The upright size (EXIF orientation applied) from the header alone, refusing what no decode
 * should read further: a file sharp cannot parse, an animation.
 */
export async function uprightSize(input: Uint8Array): Promise<{ width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw KaozhaoError.of('image.corrupt', { cause });
  }
  if ((meta.pages ?? 1) > 1) throw KaozhaoError.of('image.animated');
  return { width: meta.autoOrient?.width ?? meta.width ?? 0, height: meta.autoOrient?.height ?? meta.height ?? 0 };
}

export async function decode(input: Uint8Array): Promise<Decoded> {
  const kind = checkInput(input);
  const { width, height } = await uprightSize(input);
  if (width * height > INPUT_LIMITS.maxPixels) throw KaozhaoError.of('image.too_large');
  if (Math.min(width, height) < INPUT_LIMITS.minShortSide) throw KaozhaoError.of('image.too_small');

  const scale = Math.min(1, INPUT_LIMITS.analysisLongSide / Math.max(width, height));
  try {
    const { data, info } = await sharpOf(input)
      .rotate()
      .resize({ width: Math.round(width * scale), height: Math.round(height * scale), fit: 'fill' })
      // CMYK, grey, 16-bit and alpha inputs all become 8-bit sRGB; transparency turns white.
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      input,
      format: kind,
      width,
      height,
      image: {
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        width: info.width,
        height: info.height,
        channels: 3,
      },
      scale: info.width / width,
    };
  } catch (cause) {
    if (cause instanceof KaozhaoError) throw cause;
    throw KaozhaoError.of('image.corrupt', { cause });
  }
}

/**
 * The oriented source resized to `scale` (≤ 1) and cut to `region` (in scaled px), RGB. Used for
 * the final crop when the analysis image is too coarse for the output's resolution; resizing before
 * extracting keeps libjpeg's shrink-on-load.
 */
export async function decodeRegion(
  d: Decoded,
  scale: number,
  region: { left: number; top: number; width: number; height: number },
): Promise<RawImage> {
  const w = Math.max(1, Math.round(d.width * scale));
  const h = Math.max(1, Math.round(d.height * scale));
  const { data, info } = await sharpOf(d.input)
    .rotate()
    .resize({ width: w, height: h, fit: 'fill' })
    .extract(region)
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 3,
  };
}
