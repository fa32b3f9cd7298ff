export * from './client.js';
export * from './crypto.js';
export * as schema from './schema.js';
