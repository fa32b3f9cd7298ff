// The station's face-box thread: only the engine's face detector (Human's, as src/photo/face/human.ts
// loads it) on a small live frame, a few times a second. The frame is decoded here, in this thread,
// and dropped with the answer: nothing is kept.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { KaozhaoError } from '../../domain/errors.js';
import { EXAM_DETECT_LONG_SIDE, EXAM_DETECT_MAX_BYTES, type ExamFaceBox } from '../../domain/exam.js';
import { checkInput, uprightSize } from '../../photo/decode.js';
import { loadHuman, paddedSquare } from '../../photo/face/human.js';
import { MAKING } from '../../photo/thresholds.js';

export interface DetectJob {
  id: number;
  input: Uint8Array;
}

export type DetectReply =
  | { id: number; ok: true; faces: ExamFaceBox[] }
  | { id: number; ok: false; code: string }
  | { id: -1; ready: true };

const port = parentPort;
if (!port) throw new Error('exam-face-detect.worker.ts runs only as a worker thread');

/**
 * The engine's Human, set for this thread alone (nothing else here uses it): the detector at the
 * engine's bar for a sure face (MAKING.faceScore) and the mesh model on what it finds, which is how
 * the engine tells a face from a face-like backdrop (a detector alone took a podium's emblem for
 * two more faces at 0.6). Iris, anti-spoof, liveness and body are off: the box needs none of them.
 */
const ready = loadHuman().then((h) => {
  const { face, body } = h.config;
  if (face.detector) face.detector.minConfidence = MAKING.faceScore;
  for (const m of [face.iris, face.antispoof, face.liveness]) if (m) m.enabled = false;
  if (face.mesh) face.mesh.enabled = true;
  body.enabled = false;
  return h;
});

/** Human returns a face without landmarks when the mesh model did not run or gave up on it. */
const MESH_POINTS = 468;

async function decodeSmall(input: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  // The same refusals as the engine's decode (empty, HEIC, GIF, not an image), then the size rule.
  checkInput(input);
  if (input.byteLength > EXAM_DETECT_MAX_BYTES) throw KaozhaoError.of('exam.frame_too_large');
  const { width: w, height: h } = await uprightSize(input);
  if (Math.max(w, h) > EXAM_DETECT_LONG_SIDE) throw KaozhaoError.of('exam.frame_too_large');
  if (w < 1 || h < 1) throw KaozhaoError.of('image.corrupt');
  try {
    const { data, info } = await sharp(input, { failOn: 'truncated' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (cause) {
    throw KaozhaoError.of('image.corrupt', { cause });
  }
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

async function detect(input: Uint8Array): Promise<ExamFaceBox[]> {
  const image = await decodeSmall(input);
  const h = await ready;
  // As analyze() feeds the detector: padded to a square, so faces keep their shape.
  const tensor = paddedSquare(image);
  try {
    const found = (await h.detect(tensor as never)).face;
    for (const f of found) f.tensor?.dispose();
    // The faces the engine would count (analyze(): a mesh scored at MAKING.faceScore or more), so
    // a half face at the edge or a poster behind the student does not block auto-capture.
    return found
      .filter((f) => f.mesh.length >= MESH_POINTS && f.score >= MAKING.faceScore)
      .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
      .map((f) => {
        const x = clamp01(f.box[0] / image.width);
        const y = clamp01(f.box[1] / image.height);
        return {
          x: round4(x),
          y: round4(y),
          width: round4(clamp01((f.box[0] + f.box[2]) / image.width) - x),
          height: round4(clamp01((f.box[1] + f.box[3]) / image.height) - y),
          score: round4(f.score),
        };
      });
  } finally {
    tensor.dispose();
  }
}

port.on('message', async (msg: DetectJob) => {
  let reply: DetectReply;
  try {
    reply = { id: msg.id, ok: true, faces: await detect(msg.input) };
  } catch (e) {
    // Typed errors are the client's (a bad frame); anything else is reported without the frame.
    if (!(e instanceof KaozhaoError)) console.error(`exam face detector: job failed: ${(e as Error)?.message}`);
    reply = { id: msg.id, ok: false, code: e instanceof KaozhaoError ? e.code : 'engine.crashed' };
  }
  port.postMessage(reply);
});

ready.then(
  () => port.postMessage({ id: -1, ready: true } satisfies DetectReply),
  (e) => {
    console.error(`exam face detector: model failed to load: ${(e as Error).message}`);
    process.exit(1);
  },
);
