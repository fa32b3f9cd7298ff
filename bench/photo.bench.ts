// npm run bench — photo engine speed and memory on 12-megapixel phone-like inputs made from the
// shared portraits (upscaled to 12 MP, every other one stored sideways with an EXIF orientation).
//
// 1. The decode reference: one full 12 MP JPEG decode (RGB) of the same inputs, median.
// 2. Per-stage medians in this process (one core), the end-to-end median and its ratio to (1).
// 3. A worker process as deployed (a pool of worker threads in a fresh process, nothing else
//    loaded): time to ready and to the first photo from a cold start, photos/s, peak RSS, and the
//    RSS after each hundred photos, with 1 and 2 workers.
//
// BENCH_PHOTOS sets the photos of the 2-worker run (default 1,000, so memory is seen flat or
// growing); the 1-worker run makes a fifth of that, at least 100.
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
// The pool from its own module: the child process, like a deployed one, loads the engine only in
// its worker threads (importing index.js would load the whole pipeline in the main thread too).
import { createPhotoPool } from '../src/photo/pool.js';
import { withProcessEnv } from '../src/photo/settings.js';
import { STAGES, type Stage } from '../src/photo/types.js';
import { facePath, haveFaces, listFaces } from '../test/faces.js';
import { median } from './measure.js';

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

interface ChildReport {
  workers: number;
  photos: number;
  failed: number;
  /** From the process's start: pool ready (models loaded and warmed), first photo made. */
  readyMs: number;
  firstPhotoMs: number;
  seconds: number;
  peakRssMb: number;
  rssAfterReadyMb: number;
  /** RSS after each hundred photos. */
  rssPerHundredMb: number[];
}

/** The child: a fresh process holding only the pool, as `npm run worker` does. */
async function child(dir: string, workers: number, photos: number): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  // The pool first, as a worker process starts it: reading the bench's inputs (~55 MB) is the
  // bench's work, done while the threads load, not part of the time to ready.
  const pool = createPhotoPool({ size: workers, maxQueue: photos + workers });
  const inputs = readdirSync(dir)
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
  await pool.whenReady();
  const readyMs = performance.now();
  await pool.make(inputs[0]!);
  const firstPhotoMs = performance.now();
  const rssAfterReadyMb = mb(process.memoryUsage().rss);
  // All workers busy from the start; the rest is queued, so photos/s is the pool's capacity.
  const rssPerHundredMb: number[] = [];
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: photos }, (_, i) =>
      pool
        .make(inputs[i % inputs.length]!)
        // The result is dropped here: a thousand kept results (JPEGs, cutout, mesh) would be the
        // growth the RSS column is there to catch.
        .then(
          () => undefined,
          () => {
            failed++;
          },
        )
        .finally(() => {
          if (++done % 100 === 0) rssPerHundredMb.push(mb(process.memoryUsage().rss));
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await pool.close();
  const report: ChildReport = {
    workers,
    photos,
    failed,
    readyMs,
    firstPhotoMs,
    seconds,
    peakRssMb: mb(peak),
    rssAfterReadyMb,
    rssPerHundredMb,
  };
  // Run by hand (`tsx bench/photo.bench.ts --child <dir> <workers> <photos>`) it prints the report.
  if (process.send) process.send(report);
  else console.log(JSON.stringify(report));
}

function runChild(dir: string, workers: number, photos: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ['--child', dir, String(workers), String(photos)], {
      execArgv: process.execArgv,
      // As `npm start` and `npm run worker` start it (settings.ts PROCESS_ENV).
      env: withProcessEnv(process.env),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: ChildReport | null = null;
    p.on('message', (m) => {
      report = m as ChildReport;
    });
    p.on('error', reject);
    p.on('exit', (code) => (report ? resolve(report) : reject(new Error(`bench child exited with ${code}`))));
  });
}

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

async function main(): Promise<void> {
  if (!haveFaces) process.exit(1);
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

  // 1. The reference: every pixel of the photo decoded once. Turning the sideways half upright
  //    costs as much again (libvips rotates the whole decoded frame), so that is printed beside it
  //    but not taken as the reference.
  const decodes: number[] = [];
  const upright: number[] = [];
  for (const input of inputs) {
    let t0 = performance.now();
    await sharp(input).raw().toBuffer();
    decodes.push(performance.now() - t0);
    t0 = performance.now();
    await sharp(input).rotate().raw().toBuffer();
    upright.push(performance.now() - t0);
  }
  const reference = median(decodes);

  // 2. Per stage, one process, one core, after a warm-up.
  const { makeIdPhoto } = await import('../src/photo/pipeline.js');
  await makeIdPhoto(inputs[0]!);
  const perStage: Record<Stage, number[]> = Object.fromEntries(STAGES.map((s) => [s, []])) as never;
  const totals: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    const r = await makeIdPhoto(input);
    totals.push(performance.now() - t0);
    for (const s of STAGES) if (r.timings[s] !== undefined) perStage[s].push(r.timings[s]!);
  }
  console.log('\nstage        median ms   runs');
  for (const s of STAGES)
    console.log(`${s.padEnd(12)} ${median(perStage[s]).toFixed(1).padStart(9)}   ${perStage[s].length}`);
  const total = median(totals);
  console.log(`${'total'.padEnd(12)} ${total.toFixed(1).padStart(9)}   ${totals.length}   (end to end, in process)`);
  console.log(`${'12 MP decode'.padEnd(12)} ${reference.toFixed(1).padStart(9)}   ${decodes.length}   (the reference)`);
  console.log(
    `${'  + upright'.padEnd(12)} ${median(upright).toFixed(1).padStart(9)}   ${upright.length}   (decode and EXIF rotation)`,
  );
  console.log(`ratio        ${(total / reference).toFixed(1).padStart(9)}×  (end to end / reference; goal ≤ 5×)`);

  // 3. Worker processes, as deployed.
  const dir = mkdtempSync(path.join(tmpdir(), 'kaozhao-bench-'));
  try {
    for (const [i, b] of inputs.entries()) writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.jpg`), b);
    const photos = Number(process.env.BENCH_PHOTOS ?? 1000);
    console.log('\nworkers   photos   failed   ready s   first photo s   photos/s   RSS ready MB   peak RSS MB');
    const hundreds: string[] = [];
    for (const [workers, n] of [
      [1, Math.max(100, Math.round(photos / 5))],
      [2, photos],
    ] as const) {
      const r = await runChild(dir, workers, n);
      console.log(
        `${String(workers).padStart(7)}   ${String(r.photos).padStart(6)}   ${String(r.failed).padStart(6)}   ${(r.readyMs / 1000).toFixed(2).padStart(7)}   ${(r.firstPhotoMs / 1000).toFixed(2).padStart(13)}   ${(r.photos / r.seconds).toFixed(2).padStart(8)}   ${String(r.rssAfterReadyMb).padStart(12)}   ${String(r.peakRssMb).padStart(11)}`,
      );
      hundreds.push(`${workers} worker${workers > 1 ? 's' : ''}: ${r.rssPerHundredMb.join(' ')}`);
    }
    console.log('\nRSS MB after each hundred photos');
    for (const h of hundreds) console.log(h);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main();
}
