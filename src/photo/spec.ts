// Output specs are data (specs/*.json), validated when loaded.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BACKGROUND_NAMES, type BackgroundName } from '../domain/backgrounds.js';
import { KaozhaoError } from '../domain/errors.js';
import { sourcePath } from '../runtime/paths.js';
import type { PhotoSpec, Range } from './types.js';

const dir = sourcePath('photo', 'specs');
const cache = new Map<string, PhotoSpec>();

export const DEFAULT_SPEC = 'chsi';

function fail(id: string, why: string): never {
  throw new Error(`spec ${id}: ${why}`);
}

function range(id: string, name: string, r: unknown): Range {
  const v = r as Range;
  if (!v || typeof v.min !== 'number' || typeof v.max !== 'number' || v.min > v.max)
    fail(id, `${name} must be {min ≤ max}`);
  return { min: v.min, max: v.max };
}

export function validateSpec(raw: unknown): PhotoSpec {
  const s = raw as PhotoSpec;
  const id = typeof s?.id === 'string' ? s.id : '?';
  if (!/^[a-z0-9-]+$/.test(id)) fail(id, 'id must be lower-case letters, digits, dashes');
  for (const k of ['width', 'height', 'dpi'] as const)
    if (!Number.isInteger(s[k]) || s[k] < 32 || s[k] > 4000) fail(id, `${k} must be an integer 32–4000`);
  const backgrounds = s.backgrounds ?? {};
  const names = Object.keys(backgrounds);
  if (names.length === 0) fail(id, 'needs at least one background');
  for (const n of names) {
    if (!BACKGROUND_NAMES.includes(n as BackgroundName)) fail(id, `unknown background ${n}`);
    const rgb = backgrounds[n as BackgroundName];
    if (!Array.isArray(rgb) || rgb.length !== 3 || rgb.some((c) => !Number.isInteger(c) || c < 0 || c > 255))
      fail(id, `background ${n} must be [r, g, b]`);
  }
  if (!names.includes(s.defaultBackground)) fail(id, 'defaultBackground must be one of its backgrounds');
  const q = range(id, 'jpegQuality', s.jpegQuality);
  if (q.min < 1 || q.max > 100) fail(id, 'jpegQuality within 1–100');
  return {
    id,
    name: String(s.name ?? id),
    nameEn: String(s.nameEn ?? s.name ?? id),
    width: s.width,
    height: s.height,
    dpi: s.dpi,
    fileSizeKB: range(id, 'fileSizeKB', s.fileSizeKB),
    jpegQuality: q,
    backgrounds,
    defaultBackground: s.defaultBackground,
    geometry: {
      crownFromTop: range(id, 'geometry.crownFromTop', s.geometry?.crownFromTop),
      eyesFromTop: range(id, 'geometry.eyesFromTop', s.geometry?.eyesFromTop),
      faceWidth: range(id, 'geometry.faceWidth', s.geometry?.faceWidth),
    },
  };
}

export function listSpecs(): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadSpec(id: string = DEFAULT_SPEC): PhotoSpec {
  const hit = cache.get(id);
  if (hit) return hit;
  if (!listSpecs().includes(id)) {
    throw new KaozhaoError('spec.unknown', 400, `未知的照片规格：${id}`, `Unknown photo spec: ${id}`);
  }
  const spec = validateSpec(JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')));
  if (spec.id !== id) fail(id, 'file name and id differ');
  cache.set(id, spec);
  return spec;
}
