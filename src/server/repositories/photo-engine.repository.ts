// The photo engine (src/photo) behind one interface, so services never import the worker pool.
import { createPhotoPool, loadSpec, type PhotoPool } from '../../photo/index.js';
import type { IdPhotoResult, MakeOptions, PhotoSpec } from '../../photo/types.js';

export interface PhotoEngineRepository {
  make(input: Uint8Array, options?: MakeOptions): Promise<IdPhotoResult>;
  spec(id: string): PhotoSpec;
  close(): Promise<void>;
}

export function createPhotoEngineRepository(opts: { size: number; maxQueue?: number }): PhotoEngineRepository {
  // Started on the first job: an API process that only enqueues never loads the models
  // (~600 MB per worker thread).
  let pool: PhotoPool | undefined;
  return {
    make(input, options) {
      pool ??= createPhotoPool({ size: opts.size, maxQueue: opts.maxQueue });
      return pool.make(input, options);
    },
    spec: loadSpec,
    async close() {
      await pool?.close();
    },
  };
}
