// Duplicate-face threshold evidence: similarity of copies of one photo (duplicates/<group>/:
// re-encoded, resized, letterboxed, cropped, mirrored, cross-repository copies), of different
// photos of one person and of different people (pairs/*.tsv), with the engine's face description.
//   npx tsx bench/duplicates.ts [faces dir]   (default: $KAOZHAO_FACES or ../shared/data/faces)
import fs from 'node:fs';
import path from 'node:path';
import { cosineSimilarity, describeFace } from '../src/photo/verify.js';
import { DUPLICATE_FACE } from '../src/server/services/photo.service.js';
import { facesDir } from '../test/faces.js';

const dir = process.argv[2] ? path.resolve(process.argv[2]) : facesDir;
const cache = new Map<string, number[] | null>();
async function describe(file: string): Promise<number[] | null> {
  if (!cache.has(file)) cache.set(file, (await describeFace(fs.readFileSync(path.join(dir, file))))?.embedding ?? null);
  return cache.get(file)!;
}

const copies: number[] = [];
const dupRoot = path.join(dir, 'duplicates');
for (const group of fs.readdirSync(dupRoot)) {
  const files = fs.readdirSync(path.join(dupRoot, group)).map((f) => `duplicates/${group}/${f}`);
  for (let i = 0; i < files.length; i++)
    for (let j = i + 1; j < files.length; j++) {
      const [a, b] = [await describe(files[i]!), await describe(files[j]!)];
      if (a && b) copies.push(cosineSimilarity(a, b));
    }
}
const genuine: number[] = [];
const impostor: number[] = [];
for (const f of fs.readdirSync(path.join(dir, 'pairs')).filter((n) => n.endsWith('.tsv'))) {
  const lines = fs
    .readFileSync(path.join(dir, 'pairs', f), 'utf8')
    .trim()
    .split('\n');
  const head = lines[0]!.split('\t');
  const [ai, bi, si] = [head.indexOf('file_a'), head.indexOf('file_b'), head.indexOf('same_person')];
  for (const l of lines.slice(1)) {
    const c = l.split('\t');
    const [a, b] = [await describe(c[ai]!), await describe(c[bi]!)];
    if (!a || !b) continue;
    (['1', 'True', 'true'].includes(c[si]!) ? genuine : impostor).push(cosineSimilarity(a, b));
  }
}
const frac = (xs: number[], t: number) => xs.filter((x) => x >= t).length / Math.max(1, xs.length);
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? Number.NaN;
console.log(
  `copies of one photo: ${copies.length} pairs, min ${q(copies, 0).toFixed(3)}, median ${q(copies, 0.5).toFixed(3)}`,
);
console.log(
  `same person, other photo: ${genuine.length} pairs, median ${q(genuine, 0.5).toFixed(3)}, max ${q(genuine, 1).toFixed(3)}`,
);
console.log(
  `different people: ${impostor.length} pairs, median ${q(impostor, 0.5).toFixed(3)}, max ${q(impostor, 1).toFixed(3)}`,
);
console.table(
  [0.85, 0.9, 0.95, 0.97, 0.98, DUPLICATE_FACE]
    .filter((t, i, all) => all.indexOf(t) === i)
    .sort()
    .map((t) => ({
      threshold: t,
      'copies flagged': frac(copies, t).toFixed(3),
      'same person flagged': frac(genuine, t).toFixed(3),
      'different people flagged': frac(impostor, t).toFixed(3),
    })),
);
process.exit(0);
