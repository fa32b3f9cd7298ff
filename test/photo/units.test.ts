// Fast tests without models: spec validation, sniffing, layout maths, colour maths, JPEG bounds.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deltaE2000, rgbToLab } from '../../src/photo/color.js';
import { sniff } from '../../src/photo/decode.js';
import { encodeJpeg } from '../../src/photo/encode.js';
import { apply, compose, invert } from '../../src/photo/geometry.js';
import { faceFrame, solveLayout } from '../../src/photo/layout.js';
import { listSpecs, loadSpec, validateSpec } from '../../src/photo/spec.js';
import type { Point3 } from '../../src/photo/types.js';

describe('specs', () => {
  it('every shipped spec validates and the default is CHSI 480×640 at 300 dpi', () => {
    for (const id of listSpecs()) expect(loadSpec(id).id).toBe(id);
    expect(loadSpec()).toMatchObject({ id: 'chsi', width: 480, height: 640, dpi: 300, defaultBackground: 'blue' });
  });

  it('rejects a spec with an inverted band or an unknown background', () => {
    const good = JSON.parse(JSON.stringify(loadSpec('chsi')));
    expect(() =>
      validateSpec({ ...good, geometry: { ...good.geometry, eyesFromTop: { min: 300, max: 200 } } }),
    ).toThrow(/eyesFromTop/);
    expect(() => validateSpec({ ...good, backgrounds: { red: [255, 0, 0] }, defaultBackground: 'red' })).toThrow(
      /unknown background/,
    );
  });

  it('an unknown spec id is a typed error', () => {
    expect(() => loadSpec('nope')).toThrow(expect.objectContaining({ code: 'spec.unknown' }));
  });
});

describe('sniff', () => {
  it('recognises containers by their bytes, not their names', () => {
    expect(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniff(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toBe('png');
    expect(sniff(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'))).toBe('webp');
    expect(sniff(Buffer.from('GIF89a', 'latin1'))).toBe('gif');
    expect(sniff(Buffer.from('\0\0\0\x18ftypheic', 'latin1'))).toBe('heic');
    expect(sniff(Buffer.from('%PDF-1.7', 'latin1'))).toBe('unknown');
  });
});

describe('geometry', () => {
  it('invert and compose are consistent', () => {
    const m = { a: 0.8, b: 0.3, c: 12, d: -0.3, e: 0.8, f: -7 };
    const p = { x: 123, y: 45 };
    const back = apply(compose(m, invert(m)), p);
    expect(back.x).toBeCloseTo(p.x, 9);
    expect(back.y).toBeCloseTo(p.y, 9);
  });
});

/** A synthetic mesh: only the points the layout reads, for a face rotated by `rollDeg`. */
function mesh(rollDeg: number, ipd: number): Point3[] {
  const pts: Point3[] = Array.from({ length: 478 }, () => ({ x: 0, y: 0, z: 0 }));
  const r = (rollDeg * Math.PI) / 180;
  const at = (u: number, v: number): Point3 => ({
    x: 1000 + u * Math.cos(r) - v * Math.sin(r),
    y: 800 + u * Math.sin(r) + v * Math.cos(r),
    z: 0,
  });
  pts[468] = at(-ipd / 2, 0);
  pts[473] = at(ipd / 2, 0);
  pts[234] = at(-ipd * 1.1, 10);
  pts[454] = at(ipd * 1.1, 10);
  pts[152] = at(0, ipd * 1.7);
  pts[10] = at(0, -ipd * 1.1);
  return pts;
}

describe('layout', () => {
  const spec = loadSpec('chsi');

  it('levels a tilted face and puts eyes, crown and face width inside the bands', () => {
    for (const roll of [-20, 0, 8]) {
      const frame = faceFrame(mesh(roll, 100));
      expect(frame.roll).toBeCloseTo(roll, 6);
      const layout = solveLayout(spec, frame, 200, { width: 2000, height: 3000 });
      const a = apply(layout.toOutput, mesh(roll, 100)[468]!);
      const b = apply(layout.toOutput, mesh(roll, 100)[473]!);
      expect(Math.abs(a.y - b.y)).toBeLessThan(1e-6);
      expect(a.y).toBeGreaterThanOrEqual(spec.geometry.eyesFromTop.min);
      expect(a.y).toBeLessThanOrEqual(spec.geometry.eyesFromTop.max);
      expect(layout.crownY).toBeGreaterThanOrEqual(spec.geometry.crownFromTop.min);
      expect(layout.crownY).toBeLessThanOrEqual(spec.geometry.crownFromTop.max);
      expect(layout.faceWidth).toBeGreaterThanOrEqual(spec.geometry.faceWidth.min);
      expect(layout.faceWidth).toBeLessThanOrEqual(spec.geometry.faceWidth.max);
      expect((a.x + b.x) / 2).toBeCloseTo(spec.width / 2, 6);
    }
  });

  it('when the photo ends below the chin, zooms in within the bands rather than leave a gap', () => {
    const frame = faceFrame(mesh(0, 100));
    const roomy = solveLayout(spec, frame, 200, { width: 2000, height: 3000 });
    const tight = solveLayout(spec, frame, 200, { width: 2000, height: 800 + 330 });
    expect(tight.scale).toBeGreaterThan(roomy.scale);
    expect(tight.faceWidth).toBeLessThanOrEqual(spec.geometry.faceWidth.max);
    const bottom = apply(invert(tight.toOutput), { x: spec.width / 2, y: spec.height });
    expect(bottom.y).toBeLessThanOrEqual(800 + 330 + 1);
  });
});

describe('colour and encoding', () => {
  it('ΔE2000 matches the published reference pair', () => {
    // Sharma, Wu, Dalal (2005), test pair 1: ΔE00 = 2.0425.
    expect(deltaE2000({ L: 50, a: 2.6772, b: -79.7751 }, { L: 50, a: 0, b: -82.7485 })).toBeCloseTo(2.0425, 3);
    const blue = rgbToLab(100, 197, 255);
    expect(deltaE2000(blue, blue)).toBe(0);
  });

  it('finds a JPEG quality inside the size bounds without padding', async () => {
    const spec = loadSpec('chsi');
    const { data } = await sharp({
      create: {
        width: spec.width,
        height: spec.height,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .blur(1.2)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const enc = await encodeJpeg(new Uint8Array(data), spec);
    expect(enc.withinBounds).toBe(true);
    expect(enc.jpeg.byteLength / 1024).toBeGreaterThanOrEqual(spec.fileSizeKB.min);
    expect(enc.jpeg.byteLength / 1024).toBeLessThanOrEqual(spec.fileSizeKB.max);
    expect((await sharp(enc.jpeg).metadata()).density).toBe(300);
  });
});
