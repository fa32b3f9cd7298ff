// When no face is found the report still judges what it can without one (checks/noface.ts): blur,
// colour, a near-black photo, a profile from the body keypoints. Real photos: some must be flagged
// next to face.count, and good portraits measured the same way (as if their face had been missed)
// must pass every one of these checks.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckId } from '../../src/domain/checks.js';
import { noFaceChecks, noFaceMeasures } from '../../src/photo/checks/noface.js';
import { decode } from '../../src/photo/decode.js';
import { analyze } from '../../src/photo/face/human.js';
import { makeIdPhoto } from '../../src/photo/pipeline.js';
import type { CheckResult, IdPhotoResult, RawImage } from '../../src/photo/types.js';
import { haveFaces, readFace } from '../faces.js';

const BLURRED = 'defects/blurry/codeformer__cropped_faces__0763.png';
const PROFILE = 'defects/head_turned/deca__AFLW2000__image00181.jpg';
/** A face under a beanie, dark glasses and a mask: no face found, not even on the second look. */
const COVERED = 'defects/hat/slinko__sample_test__g26.jpg';
const BLANK = 'other/no_face/insightface__crop__no_face.png';
const GOOD = ['portraits/slinko__without_glasses__1.jpg', 'portraits/prnet__TestImages__4.jpg'];

const results: Record<string, IdPhotoResult> = {};
const entry = (r: { report: CheckResult[] } | CheckResult[], id: CheckId) =>
  (Array.isArray(r) ? r : r.report).find((c) => c.id === id);

async function asIfNoFace(file: string): Promise<CheckResult[]> {
  const d = await decode(new Uint8Array(readFace(file)));
  const { body } = await analyze(d.image);
  const s = Math.min(1, 640 / Math.max(d.image.width, d.image.height));
  const { data, info } = await sharp(d.image.data, {
    raw: { width: d.image.width, height: d.image.height, channels: 3 },
  })
    .resize(Math.round(d.image.width * s), Math.round(d.image.height * s), { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const small: RawImage = { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
  return noFaceChecks(noFaceMeasures(small, body));
}

describe.skipIf(!haveFaces)('checks without a face', () => {
  beforeAll(async () => {
    for (const f of [BLURRED, PROFILE, COVERED, BLANK])
      results[f] = await makeIdPhoto(new Uint8Array(readFace(f)), { backgrounds: ['blue'] });
    // A black-and-white copy of the profile (still no face found).
    const grey = await sharp(readFace(PROFILE)).grayscale().toColourspace('srgb').jpeg({ quality: 92 }).toBuffer();
    results.grey = await makeIdPhoto(new Uint8Array(grey), { backgrounds: ['blue'] });
  }, 300_000);

  it('a heavily blurred photo: no face, and image.sharpness fails next to face.count', () => {
    const r = results[BLURRED]!;
    expect(r.made).toBe(false);
    expect(entry(r, 'face.count')).toMatchObject({ status: 'fail', value: 0 });
    expect(entry(r, 'image.sharpness')?.status).toBe('fail');
    expect(entry(r, 'image.color')?.status).toBe('pass');
  });

  it('a full profile: pose.yaw fails from the body keypoints', () => {
    const r = results[PROFILE]!;
    expect(entry(r, 'face.count')?.status).toBe('fail');
    expect(entry(r, 'pose.yaw')).toMatchObject({
      status: 'fail',
      message: { zh: expect.stringContaining('正对镜头') },
    });
    expect(entry(r, 'image.sharpness')?.status).toBe('pass');
  });

  it('a covered face: the advice names the mask, and a sharp photo is not called blurred', () => {
    const r = results[COVERED]!;
    expect(entry(r, 'face.count')).toMatchObject({ status: 'fail', message: { zh: expect.stringContaining('口罩') } });
    expect(entry(r, 'pose.yaw')?.status).not.toBe('fail');
    expect(entry(r, 'image.sharpness')?.status).toBe('pass');
  });

  it('a black-and-white photo without a face: image.color fails (the colour original passes)', () => {
    expect(entry(results.grey!, 'face.count')?.status).toBe('fail');
    expect(entry(results.grey!, 'image.color')?.status).toBe('fail');
    expect(entry(results[PROFILE]!, 'image.color')?.status).toBe('pass');
  });

  it('a near-black photo: light.exposure fails, sharpness is not judged', () => {
    const r = results[BLANK]!;
    expect(entry(r, 'light.exposure')?.status).toBe('fail');
    expect(entry(r, 'image.sharpness')).toBeUndefined();
  });

  it('good portraits measured as if no face were found pass every no-face check', async () => {
    for (const f of GOOD) {
      const checks = await asIfNoFace(f);
      expect(checks.map((c) => c.id).sort(), f).toEqual(
        ['image.color', 'image.sharpness', 'light.exposure', 'pose.yaw'].sort(),
      );
      for (const c of checks) expect(c.status, `${f} ${c.id}=${c.value}`).toBe('pass');
    }
  }, 120_000);
});
