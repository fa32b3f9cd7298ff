// 1:1 verification on pairs/*.tsv with describeFace, for iterating on the embedding without the
// whole `npm run eval` (whose verification section is the official figure).
//   npx tsx bench/verify-eval.ts [faces dir]
// VARIANTS='describeFace;faceres;facerec:dlib:1.1;describeFace+faceres' compares embeddings:
// describeFace (faceDescription, the adopted one: face-api's FaceRecognitionNet on dlib's aligned
// chip), faceres (the earlier one: Human's faceres on the ArcFace-aligned crop), faceres:<zoom>,
// facerec[:dlib|arc[:zoom]] (FaceRecognitionNet on another template or zoom; a trailing :flip adds
// the descriptor of the mirrored chip, the flip test of face recognition: TAR at 0.1% FAR 96.9% →
// 97.1%, not adopted), human (Human's faceres on its own crop; only when Human's description is
// on); a+b averages the parts' cosine
// similarities. CENTER=1 subtracts the mean embedding of the evaluated photos (transductive: for
// study only). MIN_SIDE, PAD: small images' enlargement. Detection per photo is cached in the temp
// dir by those two options.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ARCFACE_TEMPLATE,
  alignedCrop,
  faceDescription,
  faceresEmbedding,
  fivePoints,
} from '../src/photo/face/embedding.js';
import { DLIB_TEMPLATE, FACEREC_SIZE, faceRecDescriptor } from '../src/photo/face/facerec.js';
import { analyze } from '../src/photo/face/human.js';
import type { FaceAnalysis, RawImage } from '../src/photo/types.js';
import {
  cosineSimilarity,
  type DescribeOptions,
  describeFace,
  prepareImage,
  VERIFY_THRESHOLD,
} from '../src/photo/verify.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Pair {
  a: string;
  b: string;
  same: boolean;
}

/** The labelled pairs of pairs/*.tsv, deduplicated (a pair listed twice counts once). */
export function readPairs(dir: string): Pair[] {
  const pairs = new Map<string, Pair>();
  const pairDir = path.join(dir, 'pairs');
  for (const f of fs.existsSync(pairDir) ? fs.readdirSync(pairDir).filter((n) => n.endsWith('.tsv')) : []) {
    const lines = fs.readFileSync(path.join(pairDir, f), 'utf8').trim().split('\n');
    const head = lines[0]!.split('\t');
    const [ai, bi, si] = [head.indexOf('file_a'), head.indexOf('file_b'), head.indexOf('same_person')];
    for (const l of lines.slice(1)) {
      const c = l.split('\t');
      const [a, b] = [c[ai]!, c[bi]!].sort() as [string, string];
      pairs.set(`${a}|${b}`, { a, b, same: c[si] === '1' || c[si] === 'True' || c[si] === 'true' });
    }
  }
  return [...pairs.values()];
}

export function auc(genuine: number[], impostor: number[]): number {
  let s = 0;
  for (const g of genuine) for (const i of impostor) s += g > i ? 1 : g === i ? 0.5 : 0;
  return s / (genuine.length * impostor.length);
}

/** The lowest threshold whose false-accept rate is ≤ far, and the true-accept rate there. */
export function tarAt(genuine: number[], impostor: number[], far: number) {
  const imp = [...impostor].sort((a, b) => b - a);
  const allowed = Math.floor(far * imp.length);
  const threshold = imp[allowed] ?? -1;
  const tar = genuine.filter((g) => g > threshold).length / genuine.length;
  return { threshold, tar, far: imp.filter((i) => i > threshold).length / imp.length };
}

/** The chip mirrored left to right (RGB, side × side). */
function mirror(crop: Float32Array, side: number): Float32Array {
  const out = new Float32Array(crop.length);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      for (let c = 0; c < 3; c++) out[(y * side + x) * 3 + c] = crop[(y * side + side - 1 - x) * 3 + c]!;
  return out;
}

interface Stage1 {
  image: RawImage;
  face: FaceAnalysis | null;
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? process.env.KAOZHAO_FACES ?? path.join(repo, '../shared/data/faces'));
  const pairs = readPairs(dir);
  const files = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const prep: DescribeOptions = {
    minSide: Number(process.env.MIN_SIDE ?? 256),
    pad: Number(process.env.PAD ?? 0.25),
  };
  const variants = (process.env.VARIANTS ?? 'describeFace').split(';');
  // Stage 1: prepared image and the detected face, cached per photo and preparation.
  const cacheDir = path.join(os.tmpdir(), 'kz-verify', `side${prep.minSide}-pad${prep.pad}`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const stage1 = new Map<string, Stage1>();
  const t0 = performance.now();
  for (const f of files) {
    const key = createHash('sha256').update(f).digest('hex').slice(0, 16);
    const j = path.join(cacheDir, `${key}.json`);
    const b = path.join(cacheDir, `${key}.bin`);
    if (fs.existsSync(j) && fs.existsSync(b)) {
      const meta = JSON.parse(fs.readFileSync(j, 'utf8')) as {
        width: number;
        height: number;
        face: FaceAnalysis | null;
      };
      stage1.set(f, {
        image: { data: new Uint8Array(fs.readFileSync(b)), width: meta.width, height: meta.height, channels: 3 },
        face: meta.face,
      });
      continue;
    }
    const image = await prepareImage(fs.readFileSync(path.join(dir, f)), prep);
    const { faces } = await analyze(image);
    const face = faces[0] ?? null;
    fs.writeFileSync(b, image.data);
    fs.writeFileSync(j, JSON.stringify({ width: image.width, height: image.height, face }));
    stage1.set(f, { image, face });
  }
  const noFace = files.filter((f) => !stage1.get(f)!.face);
  console.log(
    `${files.length} photos, ${pairs.length} pairs; detection ${((performance.now() - t0) / 1000).toFixed(1)} s; no face: ${noFace.join(', ') || '-'}`,
  );

  const partCache = new Map<string, Map<string, number[] | null>>();
  const part = async (name: string): Promise<Map<string, number[] | null>> => {
    const hit = partCache.get(name);
    if (hit) return hit;
    const emb = new Map<string, number[] | null>();
    for (const f of files) {
      const { image, face } = stage1.get(f)!;
      let e: number[] | null = null;
      if (name === 'describeFace' && process.env.DIRECT === '1')
        e = (await describeFace(fs.readFileSync(path.join(dir, f)), prep))?.embedding ?? null;
      else if (!face) e = null;
      else if (name === 'describeFace') e = await faceDescription(image, face.mesh);
      else if (name === 'faceres') e = await faceresEmbedding(image, face.mesh);
      else if (name === 'human') e = face.embedding;
      else if (name.startsWith('faceres:')) e = await faceresEmbedding(image, face.mesh, Number(name.slice(8)));
      else if (name.startsWith('facerec')) {
        // facerec[:dlib|arc[:zoom]]: face-api's FaceRecognitionNet on a 150-px crop aligned to dlib's
        // chip template (default) or ArcFace's.
        const [, tpl = 'dlib', zoom = '1'] = name.split(':');
        const template = tpl === 'arc' ? ARCFACE_TEMPLATE : DLIB_TEMPLATE;
        const crop = alignedCrop(image, fivePoints(face.mesh), FACEREC_SIZE, Number(zoom), template);
        e = await faceRecDescriptor(crop);
        if (name.endsWith(':flip')) {
          const m = mirror(crop, FACEREC_SIZE);
          const f2 = await faceRecDescriptor(m);
          e = e.map((v, k) => v + f2[k]!);
        }
      } else throw new Error(`unknown variant ${name}`);
      emb.set(f, e);
    }
    if (process.env.CENTER === '1') {
      const list = [...emb.values()].filter((e): e is number[] => !!e);
      const mean = list[0]!.map((_, k) => list.reduce((s, e) => s + e[k]!, 0) / list.length);
      for (const [f, e] of emb)
        if (e)
          emb.set(
            f,
            e.map((v, k) => v - mean[k]!),
          );
    }
    // Unit length, so a concatenation averages the parts' cosine similarities.
    for (const [f, e] of emb) {
      if (!e) continue;
      const n = Math.hypot(...e) || 1;
      emb.set(
        f,
        e.map((v) => v / n),
      );
    }
    partCache.set(name, emb);
    return emb;
  };
  for (const name of variants) {
    const t1 = performance.now();
    const parts: Map<string, number[] | null>[] = [];
    for (const n of name.split('+')) parts.push(await part(n));
    const emb = new Map<string, number[] | null>();
    for (const f of files) {
      const es = parts.map((p) => p.get(f) ?? null);
      emb.set(f, es.every((e) => e) ? es.flatMap((e) => e!) : null);
    }
    const genuine: number[] = [];
    const impostor: number[] = [];
    const worst: [number, Pair][] = [];
    for (const p of pairs) {
      const ea = emb.get(p.a);
      const eb = emb.get(p.b);
      const sim = ea && eb ? cosineSimilarity(ea, eb) : -1;
      (p.same ? genuine : impostor).push(sim);
      worst.push([p.same ? -sim : sim, p]);
    }
    const r1 = tarAt(genuine, impostor, 0.01);
    const r01 = tarAt(genuine, impostor, 0.001);
    const ms = (performance.now() - t1) / files.length;
    console.log(
      `${name.padEnd(34)} ROC ${auc(genuine, impostor).toFixed(4)}  TAR@1% ${(r1.tar * 100).toFixed(1)}% (thr ${r1.threshold.toFixed(3)})  TAR@0.1% ${(r01.tar * 100).toFixed(1)}% (thr ${r01.threshold.toFixed(3)})  ${ms.toFixed(0)} ms/photo`,
    );
    if (process.env.WORST) {
      const n = Number(process.env.WORST);
      const imp = worst.filter(([, p]) => !p.same).sort((x, y) => y[0] - x[0]);
      const gen = worst.filter(([, p]) => p.same).sort((x, y) => y[0] - x[0]);
      console.log(`   genuine ${genuine.length}, impostor ${impostor.length}`);
      for (const [s, p] of [...imp.slice(0, n), ...gen.slice(0, n)])
        console.log(`   ${p.same ? 'genuine ' : 'impostor'} ${Math.abs(s).toFixed(3)} ${p.a} ${p.b}`);
    }
    if (name === 'describeFace') {
      const tarC = genuine.filter((x) => x > VERIFY_THRESHOLD).length / genuine.length;
      const farC = impostor.filter((x) => x > VERIFY_THRESHOLD).length / impostor.length;
      console.log(
        `   VERIFY_THRESHOLD ${VERIFY_THRESHOLD}: TAR ${(tarC * 100).toFixed(1)}%, FAR ${(farC * 100).toFixed(2)}%`,
      );
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
