// A pool of photo worker threads: one per core by default (the WASM backend runs single-threaded
// under Node), models loaded once per worker, a bounded queue. A worker that dies or hangs is
// replaced; its job fails with a clear error and the pool keeps serving.
//
// A job goes only to a worker that has reported its models loaded, so a job's time limit measures
// the job: loading takes about a second on a quiet machine and over a minute on a loaded one, and
// counting it made the first job after a start (or after a replacement) time out there.
//
// The limit is on the CPU time the worker thread spends on the job (Linux: /proc), not on the
// clock: a photo takes ~1.5 s of CPU, and on a machine busy with other work (the workers run at a
// lower priority) its wall time can grow tenfold. Killing such a job would throw away work and
// reload the models, adding load exactly when there is too much. A separate, longer wall-clock
// limit catches a job that waits without using the CPU.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { KaozhaoError } from '../domain/errors.js';
import { startThread } from '../runtime/thread.js';
import { threadCpuMs } from './thread.js';
import type { IdPhotoResult, MakeOptions } from './types.js';
import type { FaceDescription } from './verify.js';
import type { JobMessage, ReplyMessage, StopMessage, Task } from './worker.js';

export interface PoolOptions {
  /** Worker threads; default one per core. */
  size?: number;
  /** Jobs waiting beyond the running ones; more are refused with engine.busy. */
  maxQueue?: number;
  /** A job using more CPU time than this is abandoned and its worker replaced (wall time where the
   *  platform gives no per-thread CPU time). */
  jobTimeoutMs?: number;
  /** A job running longer than this by the clock is abandoned too, whatever its CPU time. */
  jobWallTimeoutMs?: number;
  /** A worker still loading its models after this long is replaced. */
  loadTimeoutMs?: number;
}

export interface PoolStats {
  size: number;
  /** Workers with their models loaded, able to take a job. */
  ready: number;
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
  /**
   * Resolves once a worker has its models loaded (at once if one has); fails with
   * `engine.crashed` if the pool stops because workers cannot load, `engine.busy` once closed.
   */
  whenReady(): Promise<void>;
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
  /** Models loaded; until then the slot takes no job. */
  ready: boolean;
  /** The worker thread's kernel id, for its CPU time; null where unavailable. */
  tid: number | null;
  job: Job | null;
  /** Watches the job's limits, or the load's while not ready. */
  timer: NodeJS.Timeout | null;
}

/** How often a running job's time is looked at. */
const WATCH_MS = 1_000;

/** Workers that die before loading their models this many times in a row mean the models cannot
 *  load (missing package, no memory): the pool stops respawning and fails its jobs. */
const MAX_FAILED_STARTS = 3;

/**
 * A thread asked to stop gets this long to do so before it is terminated. onnxruntime-node aborts
 * the whole process ("terminate called after throwing an instance of 'Napi::Error'") when a thread
 * is terminated during a session run, so a thread is first asked to exit at its next turn of the
 * event loop, where no run is in progress (a run takes well under a second). Only a thread that
 * does not answer, stuck in JS where terminating is safe, is terminated.
 */
const STOP_GRACE_MS = 5_000;

/**
 * The grace of a thread still loading. It reads the stop message only once its imports are
 * evaluated, and terminating it before can land inside a native addon's initialisation (sharp's
 * libvips), which aborts the process the same way: seen once on Node 24 in CI, in input.test.ts,
 * where a loaded machine took over 5 s to import the engine in a new thread. A loading thread gets
 * a minute to reach its message handler and exit there; only one stuck longer is terminated.
 */
const LOADING_STOP_GRACE_MS = 60_000;

const stopping = new WeakMap<Worker, Promise<void>>();

/** Ends a worker thread as above, after `graceMs` (the pool's graceOf); the same promise for every
 *  caller, on the first caller's grace. */
function stopWorker(worker: Worker, graceMs: number): Promise<void> {
  let done = stopping.get(worker);
  if (!done) {
    done = new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(finish, finish), graceMs);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      worker.once('exit', finish);
      try {
        worker.postMessage({ stop: true } satisfies StopMessage);
      } catch {
        void worker.terminate().then(finish, finish);
      }
    });
    stopping.set(worker, done);
  }
  return done;
}

export function createPhotoPool(options: PoolOptions = {}): PhotoPool {
  const size = Math.max(1, options.size ?? availableParallelism());
  const maxQueue = options.maxQueue ?? 64;
  const jobTimeoutMs = options.jobTimeoutMs ?? 60_000;
  const jobWallTimeoutMs = Math.max(jobTimeoutMs, options.jobWallTimeoutMs ?? 600_000);
  const loadTimeoutMs = options.loadTimeoutMs ?? 300_000;
  const queue: Job[] = [];
  const slots: (Slot | undefined)[] = [];
  let nextId = 1;
  let replaced = 0;
  let failedStarts = 0;
  let broken = false;
  let closed = false;
  const readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

  /** Why the pool takes nothing more: closed, or stopped because workers cannot load. */
  const unavailable = () =>
    closed ? KaozhaoError.of('engine.busy') : broken ? KaozhaoError.of('engine.crashed') : null;

  /** Fails every queued job and every whenReady() caller: the pool stops or closes. */
  const failWaiting = (error: KaozhaoError) => {
    for (const job of queue.splice(0)) job.reject(error);
    for (const w of readyWaiters.splice(0)) w.reject(error);
  };

  const spawn = (index: number) => {
    const worker = startThread(import.meta.url, './worker');
    const slot: Slot = { worker, ready: false, tid: null, job: null, timer: null };
    slots[index] = slot;
    slot.timer = setTimeout(() => retire(index, slot, new Error('models did not load in time')), loadTimeoutMs);
    worker.on('message', (msg: ReplyMessage) => {
      if (slots[index] !== slot) return;
      if ('ready' in msg) {
        clearTimer(slot);
        slot.ready = true;
        slot.tid = msg.tid;
        failedStarts = 0;
        for (const w of readyWaiters.splice(0)) w.resolve();
        dispatch();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      clearTimer(slot);
      slot.job = null;
      if (msg.ok) job.resolve(msg.result);
      else job.reject(new KaozhaoError(msg.error.code, msg.error.status, msg.error.zh, msg.error.en));
      dispatch();
    });
    worker.on('error', (e) => retire(index, slot, e));
    worker.on('exit', (code) => retire(index, slot, new Error(`worker exited with code ${code}`)));
  };

  const graceOf = (slot: Slot) => (slot.ready ? STOP_GRACE_MS : LOADING_STOP_GRACE_MS);

  const clearTimer = (slot: Slot) => {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
  };

  /**
   * Takes a worker out of the pool at once and starts its replacement. Its job, if any, fails with
   * `error`; the old thread is stopped (stopWorker) and its later exit event ignored, so a job dispatched
   * meanwhile can never land on a thread that is going away.
   */
  const retire = (
    index: number,
    slot: Slot,
    reason: unknown,
    error = KaozhaoError.of('engine.crashed', { cause: reason }),
  ) => {
    if (slots[index] !== slot) return;
    clearTimer(slot);
    slots[index] = undefined;
    const job = slot.job;
    slot.job = null;
    if (job) job.reject(error);
    void stopWorker(slot.worker, graceOf(slot));
    if (closed) return;
    if (!slot.ready && ++failedStarts >= MAX_FAILED_STARTS) {
      broken = true;
      console.error(`photo pool: ${failedStarts} workers failed to load the models; the pool stops`);
      failWaiting(KaozhaoError.of('engine.crashed', { cause: reason }));
      return;
    }
    replaced++;
    spawn(index);
  };

  /** Times out the slot's job on its CPU time, or on the clock where there is none to read. */
  const watch = (index: number, slot: Slot, job: Job) => {
    const started = Date.now();
    const cpu0 = slot.tid === null ? null : threadCpuMs(slot.tid);
    const period = Math.min(WATCH_MS, jobTimeoutMs);
    const tick = () => {
      if (slot.job !== job) return;
      const wall = Date.now() - started;
      const cpuNow = cpu0 === null ? null : threadCpuMs(slot.tid!);
      const used = cpu0 === null || cpuNow === null ? wall : cpuNow - cpu0;
      if (used > jobTimeoutMs || wall > jobWallTimeoutMs) {
        retire(index, slot, new Error('job timed out'), KaozhaoError.of('engine.timeout'));
        return;
      }
      slot.timer = setTimeout(tick, period);
    };
    slot.timer = setTimeout(tick, period);
  };

  const dispatch = () => {
    slots.forEach((slot, index) => {
      if (!slot?.ready || slot.job || queue.length === 0) return;
      const job = queue.shift()!;
      slot.job = job;
      watch(index, slot, job);
      const msg: JobMessage = { id: job.id, input: job.input, task: job.task };
      slot.worker.postMessage(msg);
    });
  };

  for (let i = 0; i < size; i++) spawn(i);

  function submit<T>(input: Uint8Array, task: Task): Promise<T> {
    const down = unavailable();
    if (down) return Promise.reject(down);
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
      ready: slots.filter((s) => s?.ready).length,
      busy: slots.filter((s) => s?.job).length,
      queued: queue.length,
      replaced,
    }),
    whenReady() {
      const down = unavailable();
      if (down) return Promise.reject(down);
      if (slots.some((s) => s?.ready)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    async killWorker(index) {
      const slot = slots[index];
      if (!slot) return;
      retire(index, slot, new Error('worker killed'));
      // retire() has begun stopping it, with its grace: this is the same stop, awaited.
      await stopping.get(slot.worker);
    },
    async close() {
      closed = true;
      failWaiting(KaozhaoError.of('engine.busy'));
      const live = slots.filter((s): s is Slot => !!s);
      for (const s of live) {
        clearTimer(s);
        s.job?.reject(KaozhaoError.of('engine.busy'));
        s.job = null;
      }
      await Promise.all(live.map((s) => stopWorker(s.worker, graceOf(s))));
    },
  };
}
