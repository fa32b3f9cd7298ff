// The resamplings tfjs-wasm ran in front of Human's networks, in JS step for step in float32 as
// the WASM kernels compute them (ResizeBilinear without aligned corners, CropAndResize bilinear
// with extrapolation 0, RotateWithOffset nearest with fill 0), so a network on onnxruntime-node
// reads the very pixels it read on tfjs: in float64 a few values land on the other side of an
// integer truncation (MoveNet) or a rounded pixel index (the rotated face crop).
import type { RawImage } from '../types.js';

const f = Math.fround;

/** Per output index along one axis: the two source indices and the float32 weight of the second. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const scale = f(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const s = f(o * scale);
    i0[o] = Math.floor(s);
    i1[o] = Math.min(i0[o]! + 1, inSize - 1);
    w[o] = f(s - i0[o]!);
  }
  return { i0, i1, w };
}

/** One bilinear value from the four neighbours, in the WASM kernels' float32 order. */
function lerp2(p00: number, p01: number, p10: number, p11: number, fx: number, fy: number): number {
  const top = f(p00 + f(f(p01 - p00) * fx));
  const bottom = f(p10 + f(f(p11 - p10) * fx));
  return f(top + f(f(bottom - top) * fy));
}

/**
 * tf.image.resizeBilinear (corners not aligned) to size×size of face/human.ts paddedSquare: the
 * RGB image padded on the right and bottom to a square with grey 128, read in place rather than
 * built (a 1280² float square is 20 MB). Interleaved RGB floats (NHWC).
 */
export function resizePaddedSquare(image: Pick<RawImage, 'data' | 'width' | 'height'>, size: number): Float32Array {
  const { data, width, height } = image;
  const { i0, i1, w } = axis(Math.max(width, height), size);
  // Offset of a source pixel's red value, or -1 in the padding.
  const at = (x: number, y: number) => (x < width && y < height ? (y * width + x) * 3 : -1);
  const px = (offset: number, c: number) => (offset < 0 ? 128 : data[offset + c]!);
  const out = new Float32Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    const y0 = i0[oy]!;
    const y1 = i1[oy]!;
    const fy = w[oy]!;
    for (let ox = 0; ox < size; ox++) {
      const x0 = i0[ox]!;
      const x1 = i1[ox]!;
      const fx = w[ox]!;
      const a = at(x0, y0);
      const b = at(x1, y0);
      const c = at(x0, y1);
      const d = at(x1, y1);
      const o = (oy * size + ox) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = lerp2(px(a, k), px(b, k), px(c, k), px(d, k), fx, fy);
    }
  }
  return out;
}

/** tf.image.resizeBilinear (corners not aligned) of a square NHWC float image to size×size. */
export function resizeSquare(src: Float32Array, side: number, size: number): Float32Array {
  const { i0, i1, w } = axis(side, size);
  const out = new Float32Array(size * size * 3);
  for (let oy = 0; oy < size; oy++) {
    const r0 = i0[oy]! * side;
    const r1 = i1[oy]! * side;
    const fy = w[oy]!;
    for (let ox = 0; ox < size; ox++) {
      const x0 = i0[ox]!;
      const x1 = i1[ox]!;
      const fx = w[ox]!;
      const o = (oy * size + ox) * 3;
      for (let c = 0; c < 3; c++)
        out[o + c] = lerp2(
          src[(r0 + x0) * 3 + c]!,
          src[(r0 + x1) * 3 + c]!,
          src[(r1 + x0) * 3 + c]!,
          src[(r1 + x1) * 3 + c]!,
          fx,
          fy,
        );
    }
  }
  return out;
}

/** Writes the RGB value of integer pixel (x, y) of a side×side source at out[o..o+2]. */
export type PixelReader = (x: number, y: number, out: Float32Array, o: number) => void;

/**
 * tf.image.cropAndResize of one box (y1, x1, y2, x2 as fractions of a side×side image; bilinear,
 * 0 outside the image) to size×size, NHWC, each value divided by `divisor` as Human divides the
 * face crop by 255. The pixels come from `read`, so a rotated image need not be built.
 */
export function cropAndResize(
  read: PixelReader,
  side: number,
  box: readonly [number, number, number, number],
  size: number,
  divisor = 1,
): Float32Array {
  const [y1, x1, y2, x2] = box.map(f) as [number, number, number, number];
  const m1 = side - 1;
  const hs = f(f(f(y2 - y1) * m1) / (size - 1));
  const ws = f(f(f(x2 - x1) * m1) / (size - 1));
  const out = new Float32Array(size * size * 3);
  const p = new Float32Array(12);
  for (let y = 0; y < size; y++) {
    const yi = f(f(y1 * m1) + f(y * hs));
    if (yi < 0 || yi > m1) continue;
    const top = Math.floor(yi);
    const bottom = Math.min(m1, Math.ceil(yi));
    const fy = f(yi - top);
    for (let x = 0; x < size; x++) {
      const xi = f(f(x1 * m1) + f(x * ws));
      if (xi < 0 || xi > m1) continue;
      const left = Math.floor(xi);
      const right = Math.min(m1, Math.ceil(xi));
      const fx = f(xi - left);
      read(left, top, p, 0);
      read(right, top, p, 3);
      read(left, bottom, p, 6);
      read(right, bottom, p, 9);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = lerp2(p[c]!, p[3 + c]!, p[6 + c]!, p[9 + c]!, fx, fy);
        out[o + c] = divisor === 1 ? v : f(v / divisor);
      }
    }
  }
  return out;
}

/** Reads paddedSquare's pixels (grey 128 right of and below the image) in place. */
export function paddedReader(image: Pick<RawImage, 'data' | 'width' | 'height'>): PixelReader {
  const { data, width, height } = image;
  return (x, y, out, o) => {
    if (x < width && y < height) {
      const i = (y * width + x) * 3;
      out[o] = data[i]!;
      out[o + 1] = data[i + 1]!;
      out[o + 2] = data[i + 2]!;
    } else out.fill(128, o, o + 3);
  };
}

/** C's round(): halves away from zero (Math.round takes -2.5 to -2). */
const roundHalfAway = (v: number) => (v < 0 ? -Math.round(-v) : Math.round(v));

/**
 * A reader of tf.image.rotateWithOffset(source, radians, 0, centre) without building the rotated
 * image: each pixel is the source's nearest pixel under the rotation, black beyond the source.
 * `centre` is in pixels of the side×side source.
 */
export function rotatedReader(
  source: PixelReader,
  side: number,
  radians: number,
  centre: [number, number],
): PixelReader {
  // The kernel of tfjs-backend-wasm 4.22 turns by +radians here (its later source says −radians).
  const sin = f(Math.sin(f(radians)));
  const cos = f(Math.cos(f(radians)));
  const cx = f(centre[0]);
  const cy = f(centre[1]);
  return (x, y, out, o) => {
    const dx = f(x - cx);
    const dy = f(y - cy);
    const sx = roundHalfAway(f(f(f(dx * cos) - f(dy * sin)) + cx));
    const sy = roundHalfAway(f(f(f(dx * sin) + f(dy * cos)) + cy));
    if (sx >= 0 && sx < side && sy >= 0 && sy < side) source(sx, sy, out, o);
    else out.fill(0, o, o + 3);
  };
}

/** Reads a square NHWC float image (the face crop) at integer pixels. */
export function floatReader(src: Float32Array, side: number): PixelReader {
  return (x, y, out, o) => {
    const i = (y * side + x) * 3;
    out[o] = src[i]!;
    out[o + 1] = src[i + 1]!;
    out[o + 2] = src[i + 2]!;
  };
}
