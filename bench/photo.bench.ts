// npm run bench — photo engine speed and memory on 12-megapixel phone-like inputs made from the
// shared portraits (upscaled to 12 MP, every other one stored sideways with an EXIF orientation).
// Prints per-stage medians in one process, then photos/s and peak memory with 1 and 2 workers.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { createPhotoPool } from '../src/photo/index.js';
import { makeIdPhoto } from '../src/photo/pipeline.js';
import { STAGES, type Stage } from '../src/photo/types.js';
import { facePath, haveFaces, listFaces } from '../test/faces.js';

if (!haveFaces) process.exit(1);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : Number.NaN;
};

async function phoneLike(file: string, i: number): Promise<Buffer> {
  const meta = await sharp(file).metadata();
  const k = Math.sqrt(12_000_000 / (meta.width! * meta.height!));
  let img = sharp(file).resize(Math.round(meta.width! * k), Math.round(meta.height! * k), { kernel: 'lanczos3' });
  // Stored rotated 90° counter-clockwise with orientation 6, as phones save portrait shots.
  if (i % 2 === 1)
    img = sharp(await img.toBuffer())
      .rotate(-90)
      .withMetadata({ orientation: 6 });
  return img.jpeg({ quality: 92 }).toBuffer();
}

const files = listFaces('portraits');
console.log(`making ${files.length} 12 MP inputs…`);
const inputs = await Promise.all(files.map((f, i) => phoneLike(facePath(f), i)));
const mp = await Promise.all(
  inputs.map(async (b) => {
    const m = await sharp(b).metadata();
    return (m.width! * m.height!) / 1e6;
  }),
);
console.log(
  `inputs: ${inputs.length}, ${Math.min(...mp).toFixed(1)}–${Math.max(...mp).toFixed(1)} MP, ${Math.round(median(inputs.map((b) => b.length)) / 1024)} KB median`,
);

// 1. Per stage, one process, one core, after a warm-up.
await makeIdPhoto(readFileSync(facePath(files[0]!)));
const perStage: Record<Stage, number[]> = Object.fromEntries(STAGES.map((s) => [s, []])) as never;
const totals: number[] = [];
for (const input of inputs) {
  const t0 = performance.now();
  const r = await makeIdPhoto(input);
  totals.push(performance.now() - t0);
  for (const s of STAGES) if (r.timings[s] !== undefined) perStage[s].push(r.timings[s]!);
}
console.log('\nstage      median ms   runs');
for (const s of STAGES)
  console.log(`${s.padEnd(10)} ${median(perStage[s]).toFixed(1).padStart(9)}   ${perStage[s].length}`);
console.log(
  `${'total'.padEnd(10)} ${median(totals).toFixed(1).padStart(9)}   ${totals.length}   (end to end, in process)`,
);

// 2. Throughput and memory with 1 and 2 worker threads.
console.log('\nworkers   photos   seconds   photos/s   peak RSS MB   per worker MB');
const baseline = process.memoryUsage().rss;
for (const size of [1, 2]) {
  const pool = createPhotoPool({ size, maxQueue: 1000 });
  await Promise.all(Array.from({ length: size }, () => pool.make(inputs[0]!)));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const batch = [...inputs, ...inputs];
  const t0 = performance.now();
  await Promise.all(batch.map((b) => pool.make(b).catch(() => null)));
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await pool.close();
  const peakMb = peak / 2 ** 20;
  console.log(
    `${String(size).padStart(7)}   ${String(batch.length).padStart(6)}   ${secs.toFixed(1).padStart(7)}   ${(batch.length / secs).toFixed(2).padStart(8)}   ${peakMb.toFixed(0).padStart(11)}   ${((peak - baseline) / 2 ** 20 / size).toFixed(0).padStart(13)}`,
  );
}
