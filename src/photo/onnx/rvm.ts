// RVM on onnxruntime-node: the TF.js graph in models/ converted to ONNX in memory (tfjs-to-onnx.ts)
// for each crop size, so the weights and the network are exactly the ones the tfjs path runs.
// Session options and the lazy native binding: session.ts.
import path from 'node:path';
import { extraModelDir } from '../face/models.js';
import { MATTING } from '../thresholds.js';
import type { FeatureMap, RawImage } from '../types.js';
import { type BuiltSession, buildSession, floatTensor, SessionCache, weightFiles } from './session.js';
import { tfjsGraphFileToOnnx } from './tfjs-to-onnx.js';

const RVM_FEATURES = 'StatefulPartitionedCall/matting_network_wrapper/StatefulPartitionedCall/lraspp/mul';

/** The ONNX bytes of RVM for one W×H input, recurrent states zero, MATTING.rvmDownsampleRatio. */
export function convertRvm(width: number, height: number, dir = extraModelDir): Uint8Array {
  return tfjsGraphFileToOnnx(path.join(dir, 'rvm.json'), {
    inputShapes: { src: [1, height, width, 3] },
    // Every photo is matted on its own: the recurrent state always starts from zero.
    constantInputs: { r1i: 0, r2i: 0, r3i: 0, r4i: 0, downsample_ratio: MATTING.rvmDownsampleRatio },
    // LR-ASPP's output, RVM's semantic summary of the crop (128 channels at 1/16 of the
    // downsampled input) beside the matte: the learned checks read it (learned/features.ts).
    outputs: { fgr: 'Identity', pha: 'Identity_1', feat: RVM_FEATURES },
    // The input is scaled to 0–1 in JS anyway: laying out the planes there costs nothing extra.
    ioLayout: 'nchw',
  });
}

const sessions = new SessionCache<BuiltSession>();

/**
 * The cached session for a W×H crop. Never evicted: crops are a spec's output size, so a process
 * sees one size per spec file (three today), each session some tens of MB.
 */
export function rvmSession(width: number, height: number): Promise<BuiltSession> {
  return sessions.get(`${width}x${height}`, () =>
    buildSession(
      `rvm-${width}x${height}-r${MATTING.rvmDownsampleRatio}`,
      weightFiles(path.join(extraModelDir, 'rvm.json')),
      () => convertRvm(width, height),
    ),
  );
}

const to255 = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));

/** Planar CHW floats 0–1 → interleaved HWC bytes 0–255 (rounded, clamped as the tfjs path does). */
function planarToUint8(data: Float32Array, channels: number): Uint8Array {
  const plane = data.length / channels;
  const out = new Uint8Array(data.length);
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < plane; i++) out[i * channels + c] = to255(data[c * plane + i]!);
  return out;
}

/** Same contract as matting.ts' tfjs rvm(): RGB 0–255 in, alpha and foreground 0–255 out. */
export async function rvmOnnx(
  image: RawImage,
): Promise<{ alpha: Uint8Array; foreground: Uint8Array; features: FeatureMap | null }> {
  if (image.channels !== 3) throw new Error('rvmOnnx expects RGB');
  const { session } = await rvmSession(image.width, image.height);
  const plane = image.width * image.height;
  const src = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) src[c * plane + i] = image.data[i * 3 + c]! / 255;
  const feeds = { src: floatTensor(src, [1, 3, image.height, image.width]) };
  const out = await session.run(feeds);
  try {
    const pha = out.pha;
    const fgr = out.fgr;
    if (!pha || !fgr) throw new Error('RVM session returned no pha/fgr');
    const feat = out.feat;
    const dims = feat?.dims.map(Number);
    return {
      alpha: planarToUint8(pha.data as Float32Array, 1),
      foreground: planarToUint8(fgr.data as Float32Array, 3),
      // Copied out: the tensor's buffer is released below.
      features:
        feat && dims?.length === 4
          ? { data: new Float32Array(feat.data as Float32Array), channels: dims[1]!, height: dims[2]!, width: dims[3]! }
          : null,
    };
  } finally {
    for (const t of Object.values(out)) t.dispose();
  }
}
