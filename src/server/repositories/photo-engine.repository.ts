// The photo engine (src/photo) behind one interface, so services never import the worker pool.
import { createPhotoPool, loadSpec, type PhotoPool, type PoolOptions } from '../../photo/index.js';
import type { PoolStats } from '../../photo/pool.js';
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
