// The station's face box runs in a thread of its own, started on the first frame: the face detector
// alone, on a frame of at most 320 px, in ~1/4 of a full face analysis. Not in the API thread (a
// detection would stall every request), and not in the photo workers, whose pool has no detect-only
// task (make and describe run every face model; adding one belongs to src/photo/pool.ts).
//
// Frames are advisory and go stale within a second: the queue is short and a full one, a slow
// detection or a thread that died answers "busy" (the station simply tries the next frame).
import type { Worker } from 'node:worker_threads';
import { ERRORS, type ErrorCode, KaozhaoError } from '../../domain/errors.js';
import type { ExamFaceBox } from '../../domain/exam.js';
import { startThread } from '../../runtime/thread.js';
import type { DetectJob, DetectReply } from './exam-face-detect.worker.js';

/** Frames waiting beyond the one being detected: at 3–4 frames/s per station, a few stations. */
const MAX_QUEUE = 8;
/** A detection takes tens of ms; far beyond, the thread is stuck and replaced. */
const JOB_TIMEOUT_MS = 20_000;

export interface FaceDetector {
  detect(frame: Uint8Array): Promise<ExamFaceBox[]>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  input: Uint8Array;
  resolve: (faces: ExamFaceBox[]) => void;
  reject: (e: Error) => void;
}

export function createFaceDetector(): FaceDetector {
  let worker: Worker | undefined;
  let ready = false;
  let running: Job | undefined;
  let timer: NodeJS.Timeout | undefined;
  let nextId = 1;
  let closed = false;
  const queue: Job[] = [];

  const retire = (w: Worker, error: KaozhaoError) => {
    if (worker !== w) return;
    worker = undefined;
    ready = false;
    if (timer) clearTimeout(timer);
    timer = undefined;
    running?.reject(error);
    running = undefined;
    void w.terminate();
    // Waiting frames are stale by the time a new thread has loaded the model.
    for (const job of queue.splice(0)) job.reject(KaozhaoError.of('engine.busy'));
  };

  const ensureWorker = () => {
    if (worker) return;
    const w = startThread(import.meta.url, './exam-face-detect.worker');
    // The thread never keeps the process alive: a server that closes without closing it still exits.
    w.unref();
    worker = w;
    w.on('message', (msg: DetectReply) => {
      if (worker !== w) return;
      if ('ready' in msg) {
        ready = true;
        dispatch();
        return;
      }
      const job = running;
      if (!job || job.id !== msg.id) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      running = undefined;
      if (msg.ok) job.resolve(msg.faces);
      else job.reject(KaozhaoError.of(msg.code in ERRORS ? (msg.code as ErrorCode) : 'engine.crashed'));
      dispatch();
    });
    w.on('error', (e) => retire(w, KaozhaoError.of('engine.crashed', { cause: e })));
    w.on('exit', (code) => retire(w, KaozhaoError.of('engine.crashed', { cause: new Error(`exit ${code}`) })));
  };

  const dispatch = () => {
    if (!worker || !ready || running || queue.length === 0) return;
    const job = queue.shift()!;
    running = job;
    const w = worker;
    // Measured from dispatch, so the model's first load never counts against a frame.
    timer = setTimeout(() => retire(w, KaozhaoError.of('engine.busy')), JOB_TIMEOUT_MS);
    w.postMessage({ id: job.id, input: job.input } satisfies DetectJob);
  };

  return {
    detect(frame) {
      if (closed || queue.length >= MAX_QUEUE) return Promise.reject(KaozhaoError.of('engine.busy'));
      ensureWorker();
      return new Promise<ExamFaceBox[]>((resolve, reject) => {
        queue.push({ id: nextId++, input: frame, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      const w = worker;
      if (w) {
        retire(w, KaozhaoError.of('engine.busy'));
        await w.terminate();
      }
    },
  };
}
