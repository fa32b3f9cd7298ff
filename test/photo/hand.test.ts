// The hand model around the chin (face/hand.ts) on real photos: a hand on the face reads high with
// its keypoints on the face; a face without a hand reads low; a fist at the shoulder is a hand but
// not on the face, so face.occlusion passes.
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/photo/decode.js';
import { type HandReading, handNearChin } from '../../src/photo/face/hand.js';
import { analyze } from '../../src/photo/face/human.js';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import { COMPLIANCE } from '../../src/photo/thresholds.js';
import { haveFaces, readFace } from '../faces.js';

async function readHand(file: string): Promise<{ hand: HandReading; box: [number, number, number, number] }> {
  const d = await decode(new Uint8Array(readFace(file)));
  const face = (await analyze(d.image)).faces[0];
  if (!face) throw new Error('no face');
  return { hand: await handNearChin(d.image, face.mesh, face.box[2]), box: face.box };
}

const inBox = (hand: HandReading, [x, y, w, h]: [number, number, number, number]) =>
  hand.keypoints.filter((k) => k.x >= x && k.x <= x + w && k.y >= y && k.y <= y + h).length;

const T = COMPLIANCE.occlusion.hand;

describe.skipIf(!haveFaces)('hand model around the chin', () => {
  it.each([
    'defects/hand_over_face/human__in__stock-emotions-b-6.jpg',
    'defects/hand_over_face/deca__AFLW2000__image04085.jpg',
  ])(
    '%s: a hand on the face, keypoints on the face',
    async (file) => {
      const { hand, box } = await readHand(file);
      expect(hand.score).toBeGreaterThanOrEqual(T.warn);
      expect(hand.keypoints).toHaveLength(21);
      expect(inBox(hand, box)).toBeGreaterThanOrEqual(COMPLIANCE.occlusion.handKeypointsOnFace);
    },
    60_000,
  );

  it.each([
    'portraits/slinko__without_glasses__1.jpg',
    'portraits/prnet__TestImages__0.jpg',
    'defects/face_mask/insightface__bulk__mask.png',
  ])(
    '%s: no hand',
    async (file) => {
      const { hand } = await readHand(file);
      expect(hand.score).toBeLessThan(T.warn);
    },
    60_000,
  );

  describe('a fist at the shoulder', () => {
    const file = 'defects/eyeglasses_no_reflection/ndaruga__test_images__normalglasses.jpg';
    let report: Awaited<ReturnType<typeof makeIdPhoto>>['report'] = [];
    beforeAll(async () => {
      report = (await makeIdPhoto(new Uint8Array(readFace(file)), { backgrounds: ['blue'] })).report;
    }, 120_000);
    it('is not a hand over the face', () => {
      const e = report.find((r) => r.id === 'face.occlusion');
      expect(`${e?.status} (${e?.value}) ${e?.message.en}`).toMatch(/^pass/);
    });
  });
});
