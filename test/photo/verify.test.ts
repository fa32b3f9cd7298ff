import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/photo/decode.js';
import { ARCFACE_TEMPLATE, alignedCrop, FACE_DESCRIPTION_LENGTH, similarity } from '../../src/photo/face/embedding.js';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import type { RawImage } from '../../src/photo/types.js';
import { cosineSimilarity, describeFace, type FaceDescription, VERIFY_THRESHOLD } from '../../src/photo/verify.js';
import { haveFaces, readFace } from '../faces.js';

describe('verification helpers', () => {
  it('cosine similarity', () => {
    expect(cosineSimilarity([1, 0], [1, 0])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 2])).toBeCloseTo(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosineSimilarity([], [1])).toBe(0);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    // Descriptions of different models (lengths) never match.
    expect(cosineSimilarity([1, 0], [1, 0, 0])).toBe(0);
  });
  it('threshold is a similarity', () => {
    expect(VERIFY_THRESHOLD).toBeGreaterThan(0);
    expect(VERIFY_THRESHOLD).toBeLessThan(1);
  });
  it('similarity transform recovers a rotation, scale and shift', () => {
    const from = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 5, y: 8 },
    ];
    // 90° rotation, scale 2, shift (3, 4): (x, y) → (-2y + 3, 2x + 4).
    const to = from.map((p) => ({ x: -2 * p.y + 3, y: 2 * p.x + 4 }));
    const [a, b, tx, ty] = similarity(from, to);
    expect(a).toBeCloseTo(0);
    expect(b).toBeCloseTo(2);
    expect(tx).toBeCloseTo(3);
    expect(ty).toBeCloseTo(4);
  });
  it('aligned crop puts the landmarks on the template', () => {
    // Landmarks at twice the template's scale, shifted by (30, 40); a white dot on the image-left eye.
    const image: RawImage = { data: new Uint8Array(300 * 300 * 3), width: 300, height: 300, channels: 3 };
    const landmarks = ARCFACE_TEMPLATE.map((p) => ({ x: 2 * p.x + 30, y: 2 * p.y + 40 }));
    const eye = landmarks[0]!;
    for (let y = Math.round(eye.y) - 2; y <= Math.round(eye.y) + 2; y++)
      image.data.fill(255, (y * 300 + Math.round(eye.x) - 2) * 3, (y * 300 + Math.round(eye.x) + 3) * 3);
    const crop = alignedCrop(image, landmarks, 112);
    const at = (x: number, y: number) => crop[(y * 112 + x) * 3]!;
    expect(at(38, 52)).toBeGreaterThan(200);
    expect(at(74, 52)).toBe(0);
    expect(at(38, 60)).toBe(0);
  });
});

describe.skipIf(!haveFaces)('describeFace on real photos', () => {
  const photos = {
    obamaA: 'identities/barack_obama/facerec__examples__obama.jpg',
    obamaB: 'identities/barack_obama/facerec__test__obama1.jpg',
    obama112: 'identities/barack_obama/magface__toy_imgs__8.jpg',
    aniston: 'identities/jennifer_aniston/deepface__dataset__img3.jpg',
    hanks112: 'identities/tom_hanks/insightface__images__Tom_Hanks_54745.png',
    anistonB: 'identities/jennifer_aniston/deepface__dataset__img12.jpg',
    clooney: 'identities/george_clooney/deepface__dataset__img38.jpg',
    noFace: 'other/no_face/insightface__crop__no_face.png',
  };
  const d: Partial<Record<keyof typeof photos, FaceDescription | null>> = {};
  beforeAll(async () => {
    for (const [k, f] of Object.entries(photos)) d[k as keyof typeof photos] = await describeFace(readFace(f));
  });
  const sim = (a: keyof typeof photos, b: keyof typeof photos) => cosineSimilarity(d[a]!.embedding, d[b]!.embedding);

  it('a genuine pair is above the threshold', () => {
    expect(sim('obamaA', 'obamaB')).toBeGreaterThan(VERIFY_THRESHOLD);
  });
  it('more genuine pairs are above the threshold', () => {
    expect(sim('aniston', 'anistonB')).toBeGreaterThan(VERIFY_THRESHOLD);
    expect(sim('obama112', 'obamaA')).toBeGreaterThan(VERIFY_THRESHOLD);
  });
  it('an impostor pair is below the threshold', () => {
    expect(sim('obamaA', 'aniston')).toBeLessThan(VERIFY_THRESHOLD);
    expect(sim('obamaB', 'aniston')).toBeLessThan(VERIFY_THRESHOLD);
    expect(sim('obamaA', 'clooney')).toBeLessThan(VERIFY_THRESHOLD);
    expect(sim('anistonB', 'hanks112')).toBeLessThan(VERIFY_THRESHOLD);
  });
  it('the description has the adopted length and unit norm', () => {
    for (const k of ['obamaA', 'aniston', 'clooney'] as const) {
      expect(d[k]?.embedding).toHaveLength(FACE_DESCRIPTION_LENGTH);
      expect(Math.hypot(...d[k]!.embedding)).toBeCloseTo(1, 5);
    }
  });
  it('112×112 photos, which the ID-photo engine refuses, still embed', async () => {
    await expect(decode(readFace(photos.obama112))).rejects.toMatchObject({ code: 'image.too_small' });
    expect(d.obama112?.embedding).toHaveLength(FACE_DESCRIPTION_LENGTH);
    expect(d.hanks112?.embedding).toHaveLength(FACE_DESCRIPTION_LENGTH);
    expect(d.obama112!.score).toBeGreaterThan(0.5);
    // Obama's crop is closer to Obama than to another small face.
    expect(sim('obama112', 'obamaA')).toBeGreaterThan(sim('obama112', 'hanks112'));
  });
  it('a photo without a face gives null', () => {
    expect(d.noFace).toBeNull();
  });
  it('the description stored with a made photo is the one a live frame is compared with', async () => {
    // Exam entry compares describeFace(live frame) with the embedding makeIdPhoto stored.
    const made = await makeIdPhoto(readFace(photos.obamaA));
    expect(made.face?.embedding).toHaveLength(FACE_DESCRIPTION_LENGTH);
    expect(cosineSimilarity(made.face!.embedding, d.obamaA!.embedding)).toBeGreaterThan(0.98);
    expect(cosineSimilarity(made.face!.embedding, d.obamaB!.embedding)).toBeGreaterThan(VERIFY_THRESHOLD);
    expect(cosineSimilarity(made.face!.embedding, d.aniston!.embedding)).toBeLessThan(VERIFY_THRESHOLD);
  });
});
