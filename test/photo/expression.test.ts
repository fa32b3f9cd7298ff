// face-api's expression net (face/expression.ts) on real photos: it reads the expression a person
// shows, on a crop aligned to the face, so a tilted photo reads the same.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/photo/decode.js';
import { EXPRESSIONS, type Expression, faceExpression } from '../../src/photo/face/expression.js';
import { analyze } from '../../src/photo/face/human.js';
import { haveFaces, readFace } from '../faces.js';

async function readExpression(input: Uint8Array): Promise<Record<Expression, number>> {
  const d = await decode(input);
  const face = (await analyze(d.image)).faces[0];
  if (!face) throw new Error('no face');
  return faceExpression(d.image, face.mesh);
}

const top = (p: Record<Expression, number>) => EXPRESSIONS.reduce((a, b) => (p[b] > p[a] ? b : a));

describe.skipIf(!haveFaces)('expression net on real photos', () => {
  it.each([
    ['portraits/compreface__faces__FACE_1.jpg', 'neutral'],
    ['defects/non_neutral_expression/insightface__emotion__anger.png', 'angry'],
    ['defects/non_neutral_expression/human__in__stock-emotions-a-8.jpg', 'fearful'],
    ['defects/non_neutral_expression/insightface__emotion__happy.png', 'happy'],
  ] as const)(
    '%s reads %s',
    async (file, expected) => {
      const p = await readExpression(new Uint8Array(readFace(file)));
      expect(top(p)).toBe(expected);
      expect(EXPRESSIONS.reduce((s, e) => s + p[e], 0)).toBeCloseTo(1, 4);
    },
    60_000,
  );

  it('a photo tilted by 20° reads the same expression (the crop is aligned to the face)', async () => {
    const file = 'defects/non_neutral_expression/insightface__emotion__anger.png';
    const upright = await readExpression(new Uint8Array(readFace(file)));
    const tilted = await readExpression(
      new Uint8Array(await sharp(readFace(file)).rotate(20, { background: '#808080' }).png().toBuffer()),
    );
    expect(top(tilted)).toBe('angry');
    expect(Math.abs(tilted.angry - upright.angry)).toBeLessThan(0.2);
  }, 60_000);
});
