// Engine settings read from the environment (thresholds live in thresholds.ts).
import type { MattingModel } from './types.js';

/** KAOZHAO_MATTING=selfie trades hair detail for speed (~20 ms instead of ~0.4 s per photo), and
 *  avoids RVM's GPL-3.0 weights. */
export const DEFAULT_MATTING: MattingModel = process.env.KAOZHAO_MATTING === 'selfie' ? 'selfie' : 'rvm';

export type ModelRuntime = 'onnx' | 'tfjs';

/**
 * Where the networks the engine calls directly run (KAOZHAO_MODEL_RUNTIME): onnxruntime-node by
 * default, the same graphs and weights converted in memory (src/photo/onnx/), several times faster
 * than tfjs-wasm; `tfjs` keeps the original path, e.g. where the native binding cannot load. That
 * includes Human's face pipeline (detector, mesh, iris; onnx/facemesh.ts), so by default a photo
 * worker never loads Human nor starts tfjs-wasm (the exam station's face-box thread still runs
 * Human). bench/matting-parity.ts, bench/model-parity.ts and bench/facemesh-parity.ts compare the
 * two runtimes.
 */
export const MODEL_RUNTIME: ModelRuntime = process.env.KAOZHAO_MODEL_RUNTIME === 'tfjs' ? 'tfjs' : 'onnx';

/**
 * Nice value of each photo worker thread (KAOZHAO_PHOTO_NICE, 0–19, default 10). Making a photo
 * takes a core for about a second; at the default, an API request on the same machine is served
 * first, so identify and submit stay quick while photos queue. 0 keeps the normal priority.
 */
export const PHOTO_WORKER_NICE = Math.min(19, Math.max(0, Number(process.env.KAOZHAO_PHOTO_NICE ?? 10) || 0));

/**
 * Environment a photo-making process is started with (package.json's start and worker scripts set
 * the same; the benches start their processes with it). glibc gives each thread that allocates its
 * own malloc arena, up to eight per core, and native code (sharp, onnxruntime, the WASM runtimes)
 * leaves each arena fragmented: with two arenas `npm run bench`'s worker process peaked at 595 MB
 * instead of 713 MB with one worker thread (200 photos) and at 959 MB instead of 1,120 MB with two
 * (300 photos), at the same photos/s (2.19 vs 2.17, 3.54 vs 3.51). glibc reads it only when a
 * process starts, hence a start setting and not code.
 */
export const PROCESS_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** `env` with PROCESS_ENV's defaults for what it does not set. */
export function withProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...PROCESS_ENV, ...env };
}
