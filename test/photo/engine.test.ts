// The engine on the shared portraits: every portrait with room around the head becomes a
// conforming photo. Conformance is measured here independently of the engine's own report: the
// output is decoded, its face detected again, its background compared with the chosen colour.
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { deltaE2000, rgbToLab } from '../../src/photo/color.js';
import { analyze } from '../../src/photo/face/human.js';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import { loadSpec } from '../../src/photo/spec.js';
import type { IdPhotoResult } from '../../src/photo/types.js';
import { haveFaces, listFaces, manifest, readFace } from '../faces.js';

const spec = loadSpec('chsi');

/** Portraits whose hair reaches the source's top edge carry the manifest's `tight_crop` label: the
 *  engine may place them if the matte finds a crown below the edge, and must otherwise refuse them
 *  with the head-top reason rather than invent a head top. */
const labelsOf = new Map(haveFaces ? manifest().map((r) => [r.file, r.labels]) : []);
const tightCrop = (file: string) => labelsOf.get(file)?.includes('tight_crop') ?? false;

/** Looked at: the hair touches the top edge of these sources, but the manifest does not say
 *  `tight_crop` (the label looks wrong; said so in the issue note). They are held to the same rule. */
const CROWN_CUT_UNLABELLED = new Set([
  'lisapq__img__01.png',
  'ndaruga__test_images__picture1.jpg',
  'slinko__without_glasses__4.jpg',
  'slinko__without_glasses__7.jpg',
]);

async function rgbOf(jpeg: Uint8Array) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 as const };
}

async function alphaOf(png: Uint8Array): Promise<Uint8Array> {
  const { data } = await sharp(png).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** p99 ΔE2000 of background pixels more than `band` px from any opaque pixel. */
function backgroundDeltaE(
  rgb: Uint8Array,
  alpha: Uint8Array,
  width: number,
  height: number,
  bg: number[],
  band: number,
) {
  const fg: number[] = [];
  for (let i = 0; i < alpha.length; i++) if (alpha[i]! > 0) fg.push(i);
  const near = new Uint8Array(alpha.length);
  for (const i of fg) {
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -band; dy <= band; dy += 2)
      for (let dx = -band; dx <= band; dx += 2) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) near[yy * width + xx] = 1;
      }
  }
  const ref = rgbToLab(bg[0]!, bg[1]!, bg[2]!);
  const d: number[] = [];
  for (let i = 0; i < alpha.length; i += 3) {
    if (near[i]) continue;
    d.push(deltaE2000(ref, rgbToLab(rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!)));
  }
  d.sort((a, b) => a - b);
  return { p99: d[Math.floor(d.length * 0.99)] ?? 0, count: d.length };
}

/** Topmost row where the matte is opaque in at least two columns of the middle half. */
function crownRow(alpha: Uint8Array, width: number, height: number): number {
  for (let y = 0; y < height; y++) {
    let n = 0;
    for (let x = Math.round(width * 0.25); x < width * 0.75; x++) if (alpha[y * width + x]! >= 128) n++;
    if (n >= 2) return y;
  }
  return -1;
}

describe.skipIf(!haveFaces)('photo engine on the shared portraits', () => {
  const portraits = haveFaces ? listFaces('portraits') : [];
  const results = new Map<string, IdPhotoResult>();

  beforeAll(async () => {
    for (const p of portraits) results.set(path.basename(p), await makeIdPhoto(readFace(p)));
  }, 600_000);

  const crownMayBeCut = (file: string) => tightCrop(file) || CROWN_CUT_UNLABELLED.has(path.basename(file));

  it('makes a tight crop or refuses it with the head-top reason', () => {
    const tight = portraits.filter(crownMayBeCut);
    expect(tight.length).toBeGreaterThan(5);
    for (const file of tight) {
      const r = results.get(path.basename(file))!;
      if (r.made) continue;
      const margin = r.report.find((c) => c.id === 'layout.margin');
      expect(margin?.status, file).toBe('fail');
      expect(margin?.message.zh, file).toContain('头顶');
    }
  });

  // Every portrait with a whole head is made, shoulders cut at the chest included (complete.ts).
  for (const name of portraits.filter((p) => !crownMayBeCut(p)).map((p) => path.basename(p))) {
    it(`makes a conforming photo of ${name}`, async () => {
      const r = results.get(name)!;
      expect(r.made).toBe(true);
      expect(Object.keys(r.photos).sort()).toEqual(Object.keys(spec.backgrounds).sort());
      const alpha = await alphaOf(r.cutout!);
      for (const [bg, jpeg] of Object.entries(r.photos)) {
        const meta = await sharp(jpeg).metadata();
        expect(meta.format).toBe('jpeg');
        expect([meta.width, meta.height]).toEqual([spec.width, spec.height]);
        expect(meta.density).toBe(spec.dpi);
        const kb = jpeg!.byteLength / 1024;
        expect(kb).toBeGreaterThanOrEqual(spec.fileSizeKB.min);
        expect(kb).toBeLessThanOrEqual(spec.fileSizeKB.max);
        const rgb = await rgbOf(jpeg!);
        const de = backgroundDeltaE(rgb.data, alpha, spec.width, spec.height, spec.backgrounds[bg as 'blue']!, 8);
        expect(de.count).toBeGreaterThan(1000);
        expect(de.p99, `${bg} background ΔE`).toBeLessThanOrEqual(2);
      }
      // Eye line and crown where the spec wants them, found again on the output itself.
      const again = await analyze(await rgbOf(r.photos.blue!));
      expect(again.faces.length).toBe(1);
      const mesh = again.faces[0]!.mesh;
      const eyeY = (mesh[468]!.y + mesh[473]!.y) / 2;
      expect(eyeY).toBeGreaterThanOrEqual(spec.geometry.eyesFromTop.min - 5);
      expect(eyeY).toBeLessThanOrEqual(spec.geometry.eyesFromTop.max + 5);
      const crown = crownRow(alpha, spec.width, spec.height);
      expect(crown).toBeGreaterThanOrEqual(spec.geometry.crownFromTop.min - 5);
      expect(crown).toBeLessThanOrEqual(spec.geometry.crownFromTop.max + 5);
      expect(Math.abs(mesh[468]!.y - mesh[473]!.y)).toBeLessThan(6);
    });
  }

  it('reports every making check and a verdict', () => {
    for (const [name, r] of results) {
      const ids = r.report.map((c) => c.id);
      expect(ids, name).toContain('face.count');
      if (r.made)
        expect(ids, name).toEqual(expect.arrayContaining(['layout.geometry', 'background.uniform', 'file.size']));
      for (const c of r.report) {
        expect(['pass', 'warn', 'fail']).toContain(c.status);
        expect(c.message.zh.length).toBeGreaterThan(0);
        expect(c.message.en.length).toBeGreaterThan(0);
      }
    }
  });
});
