import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import sharp from 'sharp';
const require = createRequire(import.meta.url);
const { Human } = require(path.join(path.dirname(require.resolve('@vladmandic/human')), 'human.node-wasm.js'));
const tf = require('@tensorflow/tfjs-core');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
function fileHandler(url) {
  const file = url.slice('file://'.length);
  return { load: async () => {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    const dir = path.dirname(file);
    const specs = []; const bufs = [];
    for (const g of j.weightsManifest) { specs.push(...g.weights); for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p))); }
    const b = Buffer.concat(bufs);
    return { modelTopology: j.modelTopology, format: j.format, generatedBy: j.generatedBy, convertedBy: j.convertedBy, weightSpecs: specs, weightData: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength), signature: j.signature, userDefinedMetadata: j.userDefinedMetadata, modelInitializer: j.modelInitializer };
  } };
}
tf.io.registerLoadRouter((url) => { const u = Array.isArray(url) ? url[0] : url; return typeof u === 'string' && u.startsWith('file://') ? fileHandler(u) : null; });
const modelDir = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
const human = new Human({ backend: 'wasm', wasmPath: wasmDir + '/', modelBasePath: 'file://' + modelDir + '/', debug: false, cacheSensitivity: 0, skipAllowed: false,
  face: { enabled: true, detector: { rotation: true, maxDetected: 5, minConfidence: 0.3, return: false }, mesh: { enabled: true }, iris: { enabled: true }, description: { enabled: true }, emotion: { enabled: false }, antispoof: { enabled: false }, liveness: { enabled: false } },
  body: { enabled: true, modelPath: 'movenet-lightning.json', maxDetected: 1 }, hand: { enabled: false }, object: { enabled: false }, gesture: { enabled: false }, segmentation: { enabled: false }, filter: { enabled: false } });
let t = Date.now();
await human.load(); await human.warmup?.().catch(()=>{});
console.log('backend', tf.getBackend(), 'load ms', Date.now() - t);
const dir = '../shared/data/faces/portraits';
const files = fs.readdirSync(dir).filter(f => /\.(jpe?g|png)$/i.test(f)).slice(0, 5);
for (const f of files) {
  const { data, info } = await sharp(path.join(dir, f)).rotate().resize({ width: 960, height: 960, fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tensor = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  const batched = tf.expandDims(tensor, 0); tensor.dispose();
  t = Date.now();
  const r = await human.detect(batched);
  batched.dispose();
  console.log(f, info.width, info.height, Date.now() - t, 'ms faces', r.face.length, r.face[0]?.rotation?.angle, r.face[0]?.mesh.length, r.face[0]?.embedding?.length, 'body', r.body[0]?.keypoints.map(k => k.part+':'+k.score.toFixed(2)).slice(5,7));
}
console.log(tf.memory().numTensors);
