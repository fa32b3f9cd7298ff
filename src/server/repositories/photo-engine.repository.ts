// The photo engine (src/photo) behind one interface, so services never import the worker pool.
// The pool and the spec from their own modules, not photo/index.js: the engine itself loads in the
// pool's worker threads, and index.js would load the whole pipeline again in this process's main
// thread (importing index.js alone takes 0.67 s against 0.04 s for pool.js; the server's context
// then holds ~20 MB more).
import { createPhotoPool, type PhotoPool, type PoolOptions, type PoolStats } from '../../photo/pool.js';
import { loadSpec } from '../../photo/spec.js';
import type { IdPhotoResult, MakeOptions, PhotoSpec } from '../../photo/types.js';
import type { FaceDescription } from '../../photo/verify.js';

export interface PhotoEngineRepository {
  make(input: Uint8Array, options?: MakeOptions): Promise<IdPhotoResult>;
  /** The face description of a live frame (exam entry); null without a face. */
  describe(input: Uint8Array): Promise<FaceDescription | null>;
  spec(id: string): PhotoSpec;
  /** Starts the engine if it is not running and resolves once it can take a photo. */
  warmUp(): Promise<void>;
  /** The worker threads of this process (metrics); undefined until the engine has started. */
  stats?(): PoolStats | undefined;
  close(): Promise<void>;
}

export function createPhotoEngineRepository(opts: PoolOptions): PhotoEngineRepository {
  // Started on the first job: an API process that only enqueues never loads the models
  // (~600 MB per worker thread).
  let pool: PhotoPool | undefined;
  const started = () => (pool ??= createPhotoPool(opts));
  return {
    make: (input, options) => started().make(input, options),
    describe: (input) => started().describe(input),
    spec: loadSpec,
    warmUp: () => started().whenReady(),
    stats: () => pool?.stats(),
    async close() {
      await pool?.close();
    },
  };
}
