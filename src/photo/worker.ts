// A photo worker thread: loads the models once, then makes one photo at a time for the pool.
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { KaozhaoError } from '../domain/errors.js';
import { loadFaceDescription } from './face/embedding.js';
import { loadExpressionNet } from './face/expression.js';
import { loadHandModel } from './face/hand.js';
import { loadHuman } from './face/human.js';
import { preloadMatting } from './matting.js';
import { loadFaceModels } from './onnx/facemesh.js';
import { makeIdPhoto } from './pipeline.js';
import { DEFAULT_MATTING, MODEL_RUNTIME, PHOTO_WORKER_NICE } from './settings.js';
import { threadId } from './thread.js';
import type { IdPhotoResult, MakeOptions } from './types.js';
import { describeFace, type FaceDescription } from './verify.js';
import { warmUp } from './warmup.js';

/** What a worker does with an input: make the ID photo, or only describe the face (exam entry). */
export type Task = { kind: 'make'; options: MakeOptions } | { kind: 'describe' };

export interface JobMessage {
  id: number;
  input: Uint8Array;
  task: Task;
}

/** The pool asks a thread to end (pool.ts stopWorker): it exits between two turns of its loop. */
export interface StopMessage {
  stop: true;
}

export type ReplyMessage =
  | { id: number; ok: true; result: IdPhotoResult | FaceDescription | null }
  | { id: number; ok: false; error: { code: string; status: number; zh: string; en: string } }
  | { id: -1; ready: true; tid: number | null };

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');

const tid = threadId();

/**
 * Lowers this thread's priority only. On Linux setpriority() on a thread id affects that thread,
 * so the HTTP event loop of the same process keeps its normal priority. Elsewhere (no
 * /proc/thread-self) the worker runs at normal priority.
 */
function lowerThreadPriority(nice: number): void {
  if (nice === 0 || tid === null) return;
  try {
    setPriority(tid, nice);
  } catch {
    // Not permitted: a priority is an optimisation, never a reason to fail.
  }
}
lowerThreadPriority(PHOTO_WORKER_NICE);

// libvips keeps the results of recent operations (up to 50 MB) for reuse; every photo here is a new
// input, so nothing is ever reused. Off (process-wide): the peak RSS of the bench's worker process
// fell 459 → 447 MB with one worker and 734 → 707 MB with two, at the same photos/s.
sharp.cache(false);

const ready = Promise.all([
  // Human (and with it tfjs-wasm) only where the face pipeline runs on tfjs.
  MODEL_RUNTIME === 'onnx' ? loadFaceModels() : loadHuman(),
  loadFaceDescription(),
  loadExpressionNet(),
  loadHandModel(),
  preloadMatting('selfie'),
  preloadMatting(DEFAULT_MATTING),
]).then(warmUp);

function transferables(r: IdPhotoResult): ArrayBuffer[] {
  const list = [...Object.values(r.photos), r.cutout].filter((b): b is Uint8Array => !!b);
  return list.map((b) => b.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);
}

port.on('message', async (msg: JobMessage | StopMessage) => {
  // Never in the middle of an onnxruntime run: a run is one synchronous call, and this handler
  // runs between turns. Exiting here ends only this thread.
  if ('stop' in msg) process.exit(0);
  let reply: ReplyMessage;
  try {
    await ready;
    if (msg.task.kind === 'describe') {
      port.postMessage({ id: msg.id, ok: true, result: await describeFace(msg.input) } satisfies ReplyMessage);
      return;
    }
    const result = await makeIdPhoto(msg.input, msg.task.options);
    reply = { id: msg.id, ok: true, result };
    try {
      port.postMessage(reply, transferables(result));
    } catch {
      // On Node 24 the transfer of the buffers sharp returns throws "Cannot transfer object of
      // unsupported type" (memory a native addon owns): the message is copied instead, a few
      // hundred KB at most.
      port.postMessage(reply);
    }
    return;
  } catch (e) {
    // Only typed errors carry a user message; anything else is an engine fault, reported without
    // the input's content.
    const k = e instanceof KaozhaoError ? e : KaozhaoError.of('engine.crashed', { cause: e });
    if (!(e instanceof KaozhaoError)) console.error(`photo worker: job ${msg.id} failed: ${(e as Error)?.message}`);
    reply = { id: msg.id, ok: false, error: { code: k.code, status: k.status, zh: k.zh, en: k.en } };
  }
  port.postMessage(reply);
});

ready.then(
  // The pool reads this thread's CPU time by its id (thread.ts threadCpuMs).
  () => port.postMessage({ id: -1, ready: true, tid } satisfies ReplyMessage),
  (e) => {
    console.error(`photo worker: models failed to load: ${(e as Error).message}`);
    process.exit(1);
  },
);
