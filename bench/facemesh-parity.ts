// npx tsx bench/facemesh-parity.ts — Human's face pipeline ported to onnxruntime-node
// (onnx/facemesh.ts) against Human itself on tfjs-wasm, through analyze() on each runtime, on
// portraits and the defects that stress it: tilted heads (the rotated crop), turned heads,
// several faces, a hand over the face.
//
// Per photo: face counts (and uncertain counts) of each runtime; per face matched by order
// (largest first): mesh Δ in px (median and max over the 478 points) and relative to the box
// width, the largest pose Δ (yaw, pitch, roll, degrees), score Δ, anti-spoof and liveness Δ; ms of
// analyze() on each runtime (MoveNet and the anti-spoof pair on ORT in both, so the difference is
// the face pipeline's). PARITY_PHOTOS sets the portraits (default 40); 10 of each defect folder are
// added. Timings are medians on a shared 2-core machine: noisy, compare ratios.
import { readFileSync } from 'node:fs';
import { decode } from '../src/photo/decode.js';
import { analyze } from '../src/photo/face/human.js';
import type { AnalysisResult, FaceAnalysis } from '../src/photo/types.js';
import { facePath, haveFaces, listFaces } from '../test/faces.js';
import { median, timed } from './measure.js';

const DEFECTS = ['head_tilted', 'head_turned', 'multiple_faces', 'hand_over_face'];

interface FaceDiff {
  medPx: number;
  maxPx: number;
  medRel: number;
  maxRel: number;
  pose: number;
  score: number;
  spoof: number;
}

function compare(a: FaceAnalysis, b: FaceAnalysis): FaceDiff {
  const d = a.mesh.map((p, i) => Math.hypot(p.x - b.mesh[i]!.x, p.y - b.mesh[i]!.y));
  const width = a.box[2];
  return {
    medPx: median(d),
    maxPx: Math.max(...d),
    medRel: median(d) / width,
    maxRel: Math.max(...d) / width,
    pose: Math.max(...(['yaw', 'pitch', 'roll'] as const).map((k) => Math.abs(a.pose[k] - b.pose[k]))),
    score: Math.abs(a.score - b.score),
    spoof: Math.max(Math.abs((a.real ?? 0) - (b.real ?? 0)), Math.abs((a.live ?? 0) - (b.live ?? 0))),
  };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('no face photos (see test/faces.ts)');
    return;
  }
  const n = Number(process.env.PARITY_PHOTOS ?? 40);
  const files = [
    ...listFaces('portraits').slice(0, n),
    ...DEFECTS.flatMap((d) => listFaces(`defects/${d}`).slice(0, 10)),
  ];
  const images = [];
  for (const file of files)
    images.push({ file, image: (await decode(new Uint8Array(readFileSync(facePath(file))))).image });
  // Both runtimes' first calls (model loads, WASM heap growth, ORT planning) off the clock.
  await analyze(images[0]!.image, 'tfjs');
  await analyze(images[0]!.image, 'onnx');

  const diffs: FaceDiff[] = [];
  const ms = { tfjs: [] as number[], onnx: [] as number[] };
  let countDisagree = 0;
  let uncertainDisagree = 0;
  console.log(
    `${'photo'.padEnd(58)} faces t/o  mesh med   max (px, % box)        pose°   score  spoof   ms tfjs  onnx`,
  );
  for (const { file, image } of images) {
    const [t, tMs] = await timed<AnalysisResult>(() => analyze(image, 'tfjs'));
    const [o, oMs] = await timed<AnalysisResult>(() => analyze(image, 'onnx'));
    ms.tfjs.push(tMs);
    ms.onnx.push(oMs);
    if (t.faces.length !== o.faces.length) countDisagree++;
    if (t.uncertainFaces !== o.uncertainFaces) uncertainDisagree++;
    const rows = t.faces.slice(0, o.faces.length).map((f, i) => compare(f, o.faces[i]!));
    diffs.push(...rows);
    const worst = rows.reduce<FaceDiff | null>((w, r) => (!w || r.maxRel > w.maxRel ? r : w), null);
    const cells = worst
      ? `${worst.medPx.toFixed(1).padStart(5)} ${worst.maxPx.toFixed(1).padStart(5)} (${pct(worst.medRel).padStart(6)} ${pct(worst.maxRel).padStart(6)})  ${worst.pose.toFixed(2).padStart(6)}  ${worst.score.toFixed(2)}  ${worst.spoof.toFixed(2)}`
      : `${'—'.padStart(46)}`;
    const counts = `${t.faces.length}/${o.faces.length}`.padStart(5);
    console.log(
      `${file.slice(0, 58).padEnd(58)} ${counts}  ${cells}  ${tMs.toFixed(0).padStart(6)} ${oMs.toFixed(0).padStart(5)}`,
    );
  }
  const all = (k: keyof FaceDiff) => diffs.map((d) => d[k]);
  console.log(`\n${images.length} photos, ${diffs.length} faces compared`);
  console.log(`face count disagreements: ${countDisagree}; uncertain count disagreements: ${uncertainDisagree}`);
  console.log(
    `mesh Δ per face: median of medians ${median(all('medPx')).toFixed(2)} px (${pct(median(all('medRel')))} of box width), worst median ${pct(Math.max(...all('medRel')))}, worst max ${Math.max(...all('maxPx')).toFixed(1)} px (${pct(Math.max(...all('maxRel')))})`,
  );
  console.log(
    `pose Δ: worst ${Math.max(...all('pose')).toFixed(3)}°; score Δ: worst ${Math.max(...all('score')).toFixed(2)}; anti-spoof/liveness Δ: worst ${Math.max(...all('spoof')).toFixed(2)}`,
  );
  console.log(
    `analyze() ms per photo, median: tfjs (Human) ${median(ms.tfjs).toFixed(0)}, onnx ${median(ms.onnx).toFixed(0)}`,
  );
}

await main();
