// A pool of photo worker threads: one per core by default (the WASM backend runs single-threaded
// under Node), models loaded once per worker, a bounded queue. A worker that dies or hangs is
// replaced; its job fails with a clear error and the pool keeps serving.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KaozhaoError } from '../domain/errors.js';
import type { IdPhotoResult, MakeOptions } from './types.js';
import type { FaceDescription } from './verify.js';
import type { JobMessage, ReplyMessage, Task } from './worker.js';

export interface PoolOptions {
  /** Worker threads; default one per core. */
  size?: number;
  /** Jobs waiting beyond the running ones; more are refused with engine.busy. */
  maxQueue?: number;
  /** A job running longer than this is abandoned and its worker replaced. */
  jobTimeoutMs?: number;
}

export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  /** Workers replaced after a crash or timeout since start. */
  replaced: number;
}

export interface PhotoPool {
  make(input: Uint8Array, options?: MakeOptions): Promise<IdPhotoResult>;
  /** The face description of a photo or live frame (exam entry), null without a face. */
  describe(input: Uint8Array): Promise<FaceDescription | null>;
  stats(): PoolStats;
  /** Ends a worker as a crash would (operations: a stuck worker); it is replaced. */
  killWorker(index: number): Promise<void>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  input: Uint8Array;
  task: Task;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  // Under tsx or vitest the sources are TypeScript: the thread registers tsx's loader first
  // (loader flags in execArgv do not reach worker threads on Node 20).
  const url = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`, {
    eval: true,
  });
}

export function createPhotoPool(options: PoolOptions = {}): PhotoPool {
  const size = Math.max(1, options.size ?? availableParallelism());
  const maxQueue = options.maxQueue ?? 64;
  const jobTimeoutMs = options.jobTimeoutMs ?? 60_000;
  const queue: Job[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let replaced = 0;
  let closed = false;

  const spawn = (index: number) => {
    const worker = startWorker();
    const slot: Slot = { worker, job: null, timer: null };
    slots[index] = slot;
    worker.on('message', (msg: ReplyMessage) => {
      if ('ready' in msg) return;
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      finish(slot);
      if (msg.ok) job.resolve(msg.result);
      else job.reject(new KaozhaoError(msg.error.code, msg.error.status, msg.error.zh, msg.error.en));
      dispatch();
    });
    const fail = (reason: unknown) => {
      if (slots[index] !== slot) return;
      const job = slot.job;
      finish(slot);
      slots[index] = undefined as unknown as Slot;
      if (job) job.reject(KaozhaoError.of('engine.crashed', { cause: reason }));
      if (!closed) {
        replaced++;
        spawn(index);
        dispatch();
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  };

  const finish = (slot: Slot) => {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  };

  const dispatch = () => {
    for (const slot of slots) {
      if (!slot || slot.job || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => {
        if (slot.job !== job) return;
        finish(slot);
        job.reject(KaozhaoError.of('engine.timeout'));
        void slot.worker.terminate();
      }, jobTimeoutMs);
      const msg: JobMessage = { id: job.id, input: job.input, task: job.task };
      slot.worker.postMessage(msg);
    }
  };

  for (let i = 0; i < size; i++) spawn(i);

  function submit<T>(input: Uint8Array, task: Task): Promise<T> {
    if (closed) return Promise.reject(KaozhaoError.of('engine.busy'));
    if (queue.length >= maxQueue) return Promise.reject(KaozhaoError.of('engine.busy'));
    return new Promise<T>((resolve, reject) => {
      queue.push({ id: nextId++, input, task, resolve: resolve as (r: unknown) => void, reject });
      dispatch();
    });
  }

  return {
    make(input, makeOptions = {}) {
      return submit<IdPhotoResult>(input, { kind: 'make', options: makeOptions });
    },
    describe(input) {
      return submit<FaceDescription | null>(input, { kind: 'describe' });
    },
    stats: () => ({
      size,
      busy: slots.filter((s) => s?.job).length,
      queued: queue.length,
      replaced,
    }),
    async killWorker(index) {
      await slots[index]?.worker.terminate();
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(KaozhaoError.of('engine.busy'));
      await Promise.all(slots.map((s) => s?.worker.terminate()));
    },
  };
}
