#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (the project ships sources, not a build).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/kaozhao.ts');
