// npx tsx bench/matting-parity.ts — RVM on tfjs-wasm vs the same graph converted to ONNX and run on
// onnxruntime-node (src/photo/onnx/). On real portraits cropped to the default spec's 480×640, per
// photo: max and mean |Δ| of alpha and foreground (0–255) and the share of values off by more than
// 2; then median ms per call of each runtime, the conversion and session build time, and the RSS of
// a fresh process that only loads one runtime and mattes 20 crops (run as child processes).
//
// PARITY_PHOTOS sets how many portraits (default 40). Timings are medians on a shared machine.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { rvmTfjs } from '../src/photo/matting.js';
import { rvmOnnx, rvmSession } from '../src/photo/onnx/rvm.js';
import type { RawImage } from '../src/photo/types.js';
import { facePath, haveFaces, listFaces } from '../test/faces.js';
import { mean, median, timed } from './measure.js';

const W = 480;
const H = 640;

async function crop(file: string): Promise<RawImage> {
  const { data, info } = await sharp(facePath(file))
    .rotate()
    .resize(W, H, { fit: 'cover', position: 'top' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: W, height: H, channels: 3 };
}

interface Diff {
  max: number;
  mean: number;
  over2: number;
}

function diff(a: Uint8Array, b: Uint8Array): Diff {
  let max = 0;
  let sum = 0;
  let over = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    sum += d;
    if (d > 2) over++;
  }
  return { max, mean: sum / a.length, over2: over / a.length };
}

/** Child mode: load one runtime only, matte 20 crops, print the RSS as JSON. */
async function rssChild(runtime: 'onnx' | 'tfjs'): Promise<void> {
  const files = listFaces('portraits').slice(0, 20);
  const crops = await Promise.all(files.map(crop));
  const before = process.memoryUsage().rss;
  let peak = before;
  for (const c of crops) {
    await (runtime === 'onnx' ? rvmOnnx(c) : rvmTfjs(c));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  process.send?.({ runtime, rss: process.memoryUsage().rss, peak, before });
}

function rssOf(runtime: 'onnx' | 'tfjs'): Promise<{ rss: number; peak: number; before: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--rss', runtime], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as { rss: number; peak: number; before: number }));
    child.once('exit', (code) => (code ? reject(new Error(`${runtime} child exited ${code}`)) : undefined));
  });
}

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('no face photos (see test/faces.ts)');
    return;
  }
  const rssArg = process.argv.indexOf('--rss');
  if (rssArg >= 0) {
    await rssChild(process.argv[rssArg + 1] === 'tfjs' ? 'tfjs' : 'onnx');
    return;
  }
  const n = Number(process.env.PARITY_PHOTOS ?? 40);
  const files = listFaces('portraits').slice(0, n);
  const [{ timings }] = await timed(() => rvmSession(W, H));
  console.log(
    `ONNX: conversion ${timings.convertMs.toFixed(0)} ms, session build ${timings.sessionMs.toFixed(0)} ms (${W}×${H})`,
  );

  const rows: { file: string; a: Diff; f: Diff; tfjs: number; onnx: number }[] = [];
  // One untimed call each: tfjs compiles its wasm kernels and ORT allocates its arenas on the first run.
  const warm = await crop(files[0]!);
  await rvmTfjs(warm);
  await rvmOnnx(warm);
  for (const file of files) {
    const img = await crop(file);
    const [t, tfjsMs] = await timed(() => rvmTfjs(img));
    const [o, onnxMs] = await timed(() => rvmOnnx(img));
    rows.push({ file, a: diff(t.alpha, o.alpha), f: diff(t.foreground!, o.foreground), tfjs: tfjsMs, onnx: onnxMs });
  }

  const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
  console.log(
    '\nphoto                                              α max  α mean   α>2      fg max fg mean  fg>2     tfjs ms onnx ms',
  );
  for (const r of rows) {
    console.log(
      `${r.file.replace('portraits/', '').slice(0, 50).padEnd(50)} ${String(r.a.max).padStart(5)} ${r.a.mean.toFixed(3).padStart(7)} ${pct(r.a.over2).padStart(8)} ${String(r.f.max).padStart(7)} ${r.f.mean.toFixed(3).padStart(7)} ${pct(r.f.over2).padStart(8)} ${r.tfjs.toFixed(0).padStart(8)} ${r.onnx.toFixed(0).padStart(7)}`,
    );
  }
  console.log(`\n${rows.length} photos, ${W}×${H}:`);
  console.log(
    `  alpha: max |Δ| ${Math.max(...rows.map((r) => r.a.max))}, mean |Δ| ${mean(rows.map((r) => r.a.mean)).toFixed(4)} (worst photo ${Math.max(...rows.map((r) => r.a.mean)).toFixed(4)}), >2: ${pct(mean(rows.map((r) => r.a.over2)))}`,
  );
  console.log(
    `  foreground: max |Δ| ${Math.max(...rows.map((r) => r.f.max))}, mean |Δ| ${mean(rows.map((r) => r.f.mean)).toFixed(4)} (worst photo ${Math.max(...rows.map((r) => r.f.mean)).toFixed(4)}), >2: ${pct(mean(rows.map((r) => r.f.over2)))}`,
  );
  const mt = median(rows.map((r) => r.tfjs));
  const mo = median(rows.map((r) => r.onnx));
  console.log(`  median ms per call: tfjs ${mt.toFixed(0)}, onnx ${mo.toFixed(0)} (×${(mt / mo).toFixed(1)})`);

  for (const runtime of ['onnx', 'tfjs'] as const) {
    const r = await rssOf(runtime);
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
    console.log(
      `  RSS, fresh process, ${runtime} only, after 20 calls: ${mb(r.rss)} (peak ${mb(r.peak)}, before ${mb(r.before)})`,
    );
  }
}

await main();
