// npx tsx bench/model-parity.ts — the three networks moved to onnxruntime-node (face-api's
// FaceRecognitionNet and FaceExpressionNet built as ONNX graphs, onnx/faceapi.ts; Human's
// handlandmark-lite converted, onnx/hand.ts) against their tfjs-wasm passes, on the inputs the
// engine really feeds them: each photo decoded, Human's mesh, then the dlib-aligned 150-px chip,
// the 112-px expression crop and the 224-px crops beside the chin.
//
// Per network: max and mean |Δ| of the outputs, median ms per call of each runtime and the session
// build time (graph build or conversion, then ORT's own). The hand is compared twice: raw outputs
// on the two chin crops (one batch of 2), and handNearChin end to end on each runtime (refine
// steps included, which may crop differently once the readings differ).
//
// PARITY_PHOTOS sets how many portraits (default 30); the 21 of hand_over_face (hands, so the refine
// steps run) and 15 of non_neutral_expression are added. Timings are medians on a shared 2-core machine: noisy, compare ratios.

import { readFileSync } from 'node:fs';
import { decode } from '../src/photo/decode.js';
import { alignedCrop, fivePoints } from '../src/photo/face/embedding.js';
import { EXPRESSION_SIZE, EXPRESSION_TEMPLATE, expressionVectorTfjs } from '../src/photo/face/expression.js';
import { DLIB_TEMPLATE, FACEREC_SIZE, faceRecDescriptorTfjs } from '../src/photo/face/facerec.js';
import { chinSquares, handCrops, handLandmarkOnnxHwc, handLandmarkTfjs, handNearChin } from '../src/photo/face/hand.js';
import { analyze } from '../src/photo/face/human.js';
import { expressionOnnx, expressionSession, faceRecDescriptorOnnx, faceRecSession } from '../src/photo/onnx/faceapi.js';
import { handSession } from '../src/photo/onnx/hand.js';
import { cosineSimilarity } from '../src/photo/similarity.js';
import { facePath, haveFaces, listFaces } from '../test/faces.js';
import { mean, median, timed } from './measure.js';

function absDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}

interface Row {
  file: string;
  desc: { max: number; mean: number; cos: number; tfjs: number; onnx: number };
  expr: { max: number; mean: number; tfjs: number; onnx: number };
  hand: { score: number; kp: number; tfjs: number; onnx: number };
  chin: { score: number; kp: number; tfjsScore: number; onnxScore: number; tfjs: number; onnx: number };
}

const buildLine = (name: string, t: { convertMs: number; sessionMs: number }) =>
  `  ${name.padEnd(22)} graph ${t.convertMs.toFixed(0).padStart(5)} ms + session ${t.sessionMs.toFixed(0).padStart(5)} ms`;

async function main(): Promise<void> {
  if (!haveFaces) {
    console.log('no face photos (see test/faces.ts)');
    return;
  }
  const n = Number(process.env.PARITY_PHOTOS ?? 30);
  const files = [
    ...listFaces('portraits').slice(0, n),
    ...listFaces('defects/hand_over_face'),
    // Expressions far from neutral exercise the softmax's tails.
    ...listFaces('defects/non_neutral_expression').slice(0, 15),
  ];

  // Built one after the other so each figure is that session's alone.
  console.log('ONNX session build (first call, cold):');
  console.log(buildLine('FaceRecognitionNet', (await faceRecSession()).timings));
  console.log(buildLine('FaceExpressionNet', (await expressionSession()).timings));
  console.log(buildLine('handlandmark batch 2', (await handSession(2)).timings));
  console.log(buildLine('handlandmark batch 1', (await handSession(1)).timings));

  const rows: Row[] = [];
  let warmed = false;
  for (const file of files) {
    const d = await decode(new Uint8Array(readFileSync(facePath(file))));
    const face = (await analyze(d.image)).faces[0];
    if (!face) {
      console.log(`${file}: no face, skipped`);
      continue;
    }
    const five = fivePoints(face.mesh);
    const chip = alignedCrop(d.image, five, FACEREC_SIZE, 1, DLIB_TEMPLATE);
    const exprCrop = alignedCrop(d.image, five, EXPRESSION_SIZE, 1, EXPRESSION_TEMPLATE);
    const { batch } = handCrops(d.image, chinSquares(face.mesh, face.box[2]));
    if (!warmed) {
      // tfjs compiles its wasm kernels and ORT sizes its arenas on the first run: not timed.
      await faceRecDescriptorTfjs(chip);
      await faceRecDescriptorOnnx(chip);
      await expressionVectorTfjs(exprCrop);
      await expressionOnnx(exprCrop);
      await handLandmarkTfjs(batch, 2);
      await handLandmarkOnnxHwc(batch, 2);
      warmed = true;
    }
    const [dt, dtMs] = await timed(() => faceRecDescriptorTfjs(chip));
    const [dox, doMs] = await timed(() => faceRecDescriptorOnnx(chip));
    const [et, etMs] = await timed(() => expressionVectorTfjs(exprCrop));
    const [eo, eoMs] = await timed(() => expressionOnnx(exprCrop));
    const [ct, ctMs] = await timed(() => handLandmarkTfjs(batch, 2));
    const [co, coMs] = await timed(() => handLandmarkOnnxHwc(batch, 2));
    const [ht, htMs] = await timed(() => handNearChin(d.image, face.mesh, face.box[2], 'tfjs'));
    const [ho, hoMs] = await timed(() => handNearChin(d.image, face.mesh, face.box[2], 'onnx'));
    const kpDist = (a: { x: number; y: number }[], b: { x: number; y: number }[]) =>
      Math.max(...a.map((p, i) => Math.hypot(p.x - b[i]!.x, p.y - b[i]!.y)));
    const scale = (face.box[2] * 1.2) / 224;
    // Raw keypoints are crop px (224 per crop side); ×scale gives image px for the chin crops.
    const rawKp = absDiff(ct.points, co.points).max * scale;
    rows.push({
      file,
      desc: { ...absDiff(dt, dox), cos: cosineSimilarity(dt, dox), tfjs: dtMs, onnx: doMs },
      expr: { ...absDiff(et, eo), tfjs: etMs, onnx: eoMs },
      hand: { score: Math.abs(ht.score - ho.score), kp: kpDist(ht.keypoints, ho.keypoints), tfjs: htMs, onnx: hoMs },
      chin: {
        score: absDiff(ct.scores, co.scores).max,
        kp: rawKp,
        tfjsScore: Math.max(...ct.scores),
        onnxScore: Math.max(...co.scores),
        tfjs: ctMs,
        onnx: coMs,
      },
    });
  }

  const e = (x: number) => x.toExponential(1);
  console.log(
    '\nphoto                                        desc cos-1  desc max  expr max  chin Δscore  chin kp px  hand Δscore  hand kp px  hand score',
  );
  for (const r of rows)
    console.log(
      `${r.file.replace(/^.*\//, '').slice(0, 44).padEnd(44)} ${e(1 - r.desc.cos).padStart(10)} ${e(r.desc.max).padStart(9)} ${e(r.expr.max).padStart(9)} ${e(r.chin.score).padStart(12)} ${r.chin.kp.toFixed(4).padStart(11)} ${e(r.hand.score).padStart(12)} ${r.hand.kp.toFixed(4).padStart(11)} ${r.chin.tfjsScore.toFixed(3).padStart(11)}`,
    );

  const worst = <K extends keyof Row>(k: K, f: (v: Row[K]) => number) => Math.max(...rows.map((r) => f(r[k])));
  const avg = <K extends keyof Row>(k: K, f: (v: Row[K]) => number) => mean(rows.map((r) => f(r[k])));
  const ms = <K extends 'desc' | 'expr' | 'hand' | 'chin'>(k: K) => {
    const t = median(rows.map((r) => r[k].tfjs));
    const o = median(rows.map((r) => r[k].onnx));
    return `median ms per call: tfjs ${t.toFixed(1)}, onnx ${o.toFixed(1)} (×${(t / o).toFixed(1)})`;
  };
  console.log(`\n${rows.length} photos (timings: medians, shared machine):`);
  console.log(
    `  FaceRecognitionNet (raw descriptor): max |Δ| ${e(worst('desc', (v) => v.max))}, mean |Δ| ${e(avg('desc', (v) => v.mean))}, cosine min ${Math.min(...rows.map((r) => r.desc.cos)).toFixed(9)} (1 − cos ≤ ${e(worst('desc', (v) => 1 - v.cos))}); ${ms('desc')}`,
  );
  console.log(
    `  FaceExpressionNet (probabilities): max |Δprob| ${e(worst('expr', (v) => v.max))}, mean |Δ| ${e(avg('expr', (v) => v.mean))}; ${ms('expr')}`,
  );
  console.log(
    `  handlandmark, 2 chin crops (1 batch): max |Δscore| ${e(worst('chin', (v) => v.score))}, max keypoint Δ ${worst('chin', (v) => v.kp).toFixed(4)} image px; ${ms('chin')}`,
  );
  console.log(
    `  handNearChin end to end: max |Δscore| ${e(worst('hand', (v) => v.score))}, max keypoint Δ ${worst('hand', (v) => v.kp).toFixed(4)} image px, ${rows.filter((r) => r.chin.tfjsScore >= 0.2).length} photos refined; ${ms('hand')}`,
  );
}

await main();
