// The photo engine's public surface.
export { makeIdPhoto } from './pipeline.js';
export { createPhotoPool, type PhotoPool, type PoolOptions } from './pool.js';
export { DEFAULT_SPEC, listSpecs, loadSpec } from './spec.js';
export type * from './types.js';
