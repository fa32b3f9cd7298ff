// Framing on real photos cut at the chest or at the chin: the rows a chest-cut source never showed
// are completed with clothing and the photo is made; a source cut at the chin is refused, saying so.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { bottomEdgeRows, COMPLETED, completeBelow, extendAlpha } from '../../src/photo/complete.js';
import { analyze } from '../../src/photo/face/human.js';
import { MESH } from '../../src/photo/layout.js';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import type { RawImage } from '../../src/photo/types.js';
import { haveFaces, readFace } from '../faces.js';

const PORTRAIT = 'portraits/wmstim__inst__neutral_front__002_03.jpg';

async function rawOf(bytes: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(bytes).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

/** The portrait cut `below` px under its chin (negative: above the chin). */
async function cutAt(bytes: Buffer, chinY: number, below: number): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  return sharp(bytes)
    .extract({ left: 0, top: 0, width: meta.width!, height: Math.round(chinY + below) })
    .jpeg({ quality: 95 })
    .toBuffer();
}

describe('completing the clothing below the source', () => {
  it('fills only the rows below the bottom edge, from the columns that reach it', () => {
    const width = 8;
    const height = 20;
    const data = new Uint8Array(width * height * 3);
    const inside = new Uint8Array(width * height);
    // The source ends at row 14 (rows 14–19 outside); column 0 leaves it through the side.
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        inside[i] = y < 14 && x > 0 ? 255 : 0;
        data.fill(y < 14 ? 100 + x : 0, i * 3, i * 3 + 3);
      }
    const edges = bottomEdgeRows({ a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 }, 14, width, height);
    expect([...edges]).toEqual(Array(width).fill(14));
    const done = completeBelow({ image: { data, width, height, channels: 3 }, inside }, edges);
    for (let x = 1; x < width; x++) {
      expect(done.inside[19 * width + x]).toBe(COMPLETED);
      // Colour continues the torso's: never the black that the warp leaves outside.
      expect(done.image.data[(19 * width + x) * 3]).toBeGreaterThan(90);
    }
    expect(done.inside[19 * width]).toBe(0);
    const alpha = new Uint8Array(width * height).fill(0);
    for (let i = 0; i < 8 * width; i++) alpha[i] = 255;
    for (let x = 0; x < width; x++) alpha[7 * width + x] = x < 4 ? 255 : 0;
    const extended = extendAlpha(alpha, done.inside, width, height);
    expect(extended[19 * width + 2]).toBe(alpha[7 * width + 2]);
    expect(extended[19 * width]).toBe(0);
  });
});

describe.skipIf(!haveFaces)('framing a real portrait cut below the head', () => {
  let bytes: Buffer;
  let chinY = 0;
  let eyesY = 0;
  beforeAll(async () => {
    bytes = readFace(PORTRAIT);
    const raw = await rawOf(bytes);
    const face = (await analyze(raw)).faces[0]!;
    const meta = await sharp(bytes).metadata();
    const scale = meta.width! / raw.width;
    chinY = face.mesh[MESH.chin]!.y * scale;
    eyesY = ((face.mesh[MESH.irisA]!.y + face.mesh[MESH.irisB]!.y) / 2) * scale;
  }, 120_000);

  it('makes the photo of a source cut at the chest, completing the clothing', async () => {
    const r = await makeIdPhoto(await cutAt(bytes, chinY, 0.25 * (chinY - eyesY)));
    expect(r.made).toBe(true);
    const margin = r.report.find((c) => c.id === 'layout.margin')!;
    expect(margin.status).not.toBe('fail');
    expect(margin.value as number).toBeGreaterThan(0);
    // The bottom centre of the cut-out is the person's clothing, not the new background.
    const { data, info } = await sharp(r.cutout!).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    expect(data[(info.height - 1) * info.width + info.width / 2]).toBeGreaterThan(200);
  });

  it('refuses a source cut at the chin, saying that the chin is cut', async () => {
    const r = await makeIdPhoto(await cutAt(bytes, chinY, -0.05 * (chinY - eyesY)));
    expect(r.made).toBe(false);
    const margin = r.report.find((c) => c.id === 'layout.margin')!;
    expect(margin.status).toBe('fail');
    expect(margin.message.zh).toContain('下巴');
  });

  it('still makes the uncut portrait without completing anything', async () => {
    const r = await makeIdPhoto(bytes);
    expect(r.made).toBe(true);
    expect(r.report.find((c) => c.id === 'layout.margin')!.value).toBe(0);
  });
});
