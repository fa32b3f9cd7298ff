// Where tests find the shared face photos: one setting, KAOZHAO_FACES (default ../shared/data/faces
// beside the repository). Absent photos skip the photo tests with a clear line, unless
// KAOZHAO_REQUIRE_FACES=1 (CI), which turns the absence into a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const facesDir = path.resolve(process.env.KAOZHAO_FACES ?? path.join(root, '..', 'shared', 'data', 'faces'));
export const haveFaces = existsSync(path.join(facesDir, 'portraits'));

if (!haveFaces) {
  if (process.env.KAOZHAO_REQUIRE_FACES === '1') {
    throw new Error(`KAOZHAO_REQUIRE_FACES=1 but no face photos at ${facesDir}`);
  }
  console.warn(`SKIP photo tests: no face photos at ${facesDir} (set KAOZHAO_FACES)`);
}

export function facePath(relative: string): string {
  return path.join(facesDir, relative);
}

export function readFace(relative: string): Buffer {
  return readFileSync(facePath(relative));
}

export interface ManifestRow {
  file: string;
  category: string;
  labels: string[];
}

/** MANIFEST.tsv rows: file, category, labels (';'-separated). */
export function manifest(): ManifestRow[] {
  const text = readFileSync(path.join(facesDir, 'MANIFEST.tsv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file = '', category = '', labels = ''] = line.split('\t');
      return { file, category, labels: labels.split(';').filter(Boolean) };
    });
}

export function listFaces(folder: string): string[] {
  return readdirSync(path.join(facesDir, folder))
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => `${folder}/${f}`);
}
