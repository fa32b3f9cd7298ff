// Bad and unusual input through the worker pool: each gets a clear error code or a failed check,
// nothing crashes, and the pool keeps serving afterwards.
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, KaozhaoError } from '../../src/domain/errors.js';
import { createPhotoPool, type PhotoPool } from '../../src/photo/index.js';
import { threadCpuMs, threadId } from '../../src/photo/thread.js';
import { haveFaces, listFaces, readFace } from '../faces.js';

const GOOD = 'portraits/slinko__without_glasses__11.jpg';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid PNG header declaring width×height, with one tiny compressed row: a decompression bomb
 *  is refused by its declared size before any pixel is decoded. */
function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width * 3 + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(KaozhaoError);
    const k = e as KaozhaoError;
    expect(k.zh).toBe(ERRORS[k.code as keyof typeof ERRORS].zh);
    return k.code;
  }
}

describe.skipIf(!haveFaces)('bad input through the pool', () => {
  let pool: PhotoPool;
  let good: Buffer;

  beforeAll(() => {
    pool = createPhotoPool({ size: 1 });
    good = readFace(GOOD);
  });
  afterAll(() => pool.close());

  it('empty file → image.empty', async () => {
    expect(await codeOf(pool.make(new Uint8Array(0)))).toBe('image.empty');
  });

  it('text → image.unsupported_type', async () => {
    expect(await codeOf(pool.make(Buffer.from('学号,姓名\n2024001,张三\n')))).toBe('image.unsupported_type');
  });

  it('truncated JPEG → image.corrupt', async () => {
    expect(await codeOf(pool.make(good.subarray(0, Math.floor(good.length / 2))))).toBe('image.corrupt');
  });

  it('30000×30000 PNG → image.too_large without decoding it', async () => {
    expect(await codeOf(pool.make(declaredPng(30000, 30000)))).toBe('image.too_large');
  });

  it('HEIC → image.heic, which says how to export JPEG', async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic', 'latin1'), Buffer.alloc(64)]);
    expect(await codeOf(pool.make(heic))).toBe('image.heic');
  });

  it('animated GIF → image.unsupported_type', async () => {
    const frame = (c: string) =>
      sharp({ create: { width: 64, height: 64, channels: 3, background: c } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    expect(await codeOf(pool.make(gif))).toBe('image.unsupported_type');
  });

  it('animated WebP → image.animated', async () => {
    const frame = (c: string) =>
      sharp({ create: { width: 300, height: 300, channels: 3, background: c } })
        .png()
        .toBuffer();
    const webp = await sharp([await frame('#f00'), await frame('#00f')], { join: { animated: true } })
      .webp()
      .toBuffer();
    expect(await codeOf(pool.make(webp))).toBe('image.animated');
  });

  it('64×64 photo → image.too_small', async () => {
    const small = await sharp(good).resize(64, 64).jpeg().toBuffer();
    expect(await codeOf(pool.make(small))).toBe('image.too_small');
  });

  it('16-bit PNG and CMYK JPEG are converted and made', async () => {
    const png16 = await sharp(good).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const cmyk = await sharp(good).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    for (const input of [png16, cmyk]) {
      const r = await pool.make(input);
      expect(r.made).toBe(true);
      expect(r.photos.blue!.byteLength).toBeGreaterThan(10_000);
    }
  });

  it('EXIF orientation is honoured: a photo stored sideways comes out upright', async () => {
    // Orientation 6 = stored rotated 90° counter-clockwise; viewers turn it back.
    const sideways = await sharp(good).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const r = await pool.make(sideways);
    expect(r.made).toBe(true);
    expect(Math.abs(r.face!.pose.roll)).toBeLessThan(15);
  });

  it('photos with no human face → face.count fails, no photo', async () => {
    // The detector scores a dog's face 0.99 (a known miss, see the issue note); the landscape, the
    // dark blank and the statues must all come back without a face.
    const noFace = listFaces('other/no_face').filter((f) => !f.includes('dogs'));
    expect(noFace.length).toBeGreaterThanOrEqual(3);
    for (const f of noFace) {
      const r = await pool.make(readFace(f));
      expect(r.made, f).toBe(false);
      expect(
        r.report.find((c) => c.id === 'face.count'),
        f,
      ).toMatchObject({ status: 'fail', value: 0 });
    }
  });

  it('a group photo → face.count fails with the number of faces', async () => {
    const group =
      listFaces('other/group').find((f) => f.includes('selfie-many-people')) ?? listFaces('other/group')[0]!;
    const r = await pool.make(readFace(group));
    expect(r.made).toBe(false);
    const c = r.report.find((x) => x.id === 'face.count')!;
    expect(c.status).toBe('fail');
    expect(c.value).toBeGreaterThanOrEqual(3);
    expect(c.message.zh).toContain(`检测到 ${c.value} 张人脸`);
  });

  it('a worker killed mid-job fails that job with engine.crashed; the pool keeps serving', async () => {
    const running = codeOf(pool.make(good));
    await new Promise((r) => setTimeout(r, 200));
    await pool.killWorker(0);
    expect(await running).toBe('engine.crashed');
    expect(pool.stats().replaced).toBeGreaterThanOrEqual(1);
    const after = await pool.make(good);
    expect(after.made).toBe(true);
  });

  it('killing a worker at any point of a photo, onnxruntime runs included, leaves the process and the pool serving', async () => {
    // Terminating a thread inside an onnxruntime session run aborted the whole test process
    // ("terminate called after throwing an instance of 'Napi::Error'"); the pool now asks the
    // thread to exit between runs. Several offsets land the kill in matting, in the face models
    // and in the checks.
    for (const offset of [40, 100, 160, 220, 280, 340, 400, 460]) {
      await pool.make(good); // the worker is ready and warm
      const running = codeOf(pool.make(good));
      await new Promise((r) => setTimeout(r, offset));
      await pool.killWorker(0);
      expect(['engine.crashed', 'ok']).toContain(await running);
    }
    expect((await pool.make(good)).made).toBe(true);
  }, 240_000);

  it('a job waits for the models to load before its time limit starts', async () => {
    // The limit is short next to a model load on a busy machine (15 s on CI); the stats below show
    // the gating itself on any machine.
    const fresh = createPhotoPool({ size: 1, jobTimeoutMs: 10_000 });
    try {
      const loaded = fresh.whenReady().then(() => fresh.stats().ready);
      const job = codeOf(fresh.make(new Uint8Array(0)));
      // Nothing is handed to a worker that is still loading.
      expect(fresh.stats()).toMatchObject({ ready: 0, busy: 0, queued: 1 });
      expect(await job).toBe('image.empty');
      expect(fresh.stats()).toMatchObject({ ready: 1, busy: 0, queued: 0, replaced: 0 });
      // whenReady (what a queue worker waits for before taking jobs) resolved with a worker ready.
      expect(await loaded).toBe(1);
      await fresh.whenReady();
    } finally {
      await fresh.close();
    }
  });

  it('a job over its time limit fails with engine.timeout; the next job gets a fresh worker, not the dying one', async () => {
    // 50 ms of CPU: far less than any photo, far more than refusing an empty file.
    const strict = createPhotoPool({ size: 1, jobTimeoutMs: 50 });
    try {
      const [slow, next] = await Promise.all([codeOf(strict.make(good)), codeOf(strict.make(new Uint8Array(0)))]);
      expect(slow).toBe('engine.timeout');
      expect(next).toBe('image.empty');
      expect(strict.stats().replaced).toBe(1);
    } finally {
      await strict.close();
    }
  });

  it.runIf(process.platform === 'linux')('reads a thread’s CPU time, the measure of the time limit', () => {
    const tid = threadId()!;
    const before = threadCpuMs(tid);
    expect(before).not.toBeNull();
    let after = before!;
    // Busy until the kernel has counted at least two more ticks of this thread's CPU time.
    for (let x = 0; after < before! + 20; x++) if (x % 100_000 === 0) after = threadCpuMs(tid)!;
    expect(after).toBeGreaterThanOrEqual(before! + 20);
    expect(threadCpuMs(2 ** 30)).toBeNull();
  });

  it('workers that never load their models stop the pool with a clear error instead of respawning forever', async () => {
    const stuck = createPhotoPool({ size: 1, loadTimeoutMs: 1 });
    try {
      const job = codeOf(stuck.make(good));
      const ready = codeOf(stuck.whenReady());
      expect(await job).toBe('engine.crashed');
      expect(await ready).toBe('engine.crashed');
      expect(await codeOf(stuck.make(good))).toBe('engine.crashed');
      expect(stuck.stats().ready).toBe(0);
    } finally {
      await stuck.close();
    }
  });

  it('a full queue refuses with engine.busy instead of growing without bound', async () => {
    const small = createPhotoPool({ size: 1, maxQueue: 1 });
    try {
      const jobs = [small.make(good), small.make(good), small.make(good)].map(codeOf);
      const codes = await Promise.all(jobs);
      expect(codes).toContain('engine.busy');
      expect(codes.filter((c) => c === 'ok').length, codes.join(',')).toBeGreaterThanOrEqual(1);
    } finally {
      await small.close();
    }
  });
});
