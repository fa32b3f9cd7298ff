// npm run sheet [-- <files or folders...>] — one PNG contact sheet: per photo the input, the ID
// photo on each background and the matte, to look at hair, halo and fringe. Default: the shared
// portraits. Writes test-output/contact-sheet.png.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { KaozhaoError } from '../src/domain/errors.js';
import { createPhotoPool, loadSpec } from '../src/photo/index.js';
import { facesDir } from '../test/faces.js';

const CELL = { width: 240, height: 320 };
const LABEL = 36;

function inputs(args: string[]): string[] {
  const list = args.length ? args : [path.join(facesDir, 'portraits')];
  return list.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
          .sort()
          .map((f) => path.join(p, f))
      : [p],
  );
}

const xmlEscape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

function label(text: string, width: number): Buffer {
  return Buffer.from(
    `<svg width="${width}" height="${LABEL}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="#fff"/><text x="6" y="23" font-family="Noto Sans CJK SC, sans-serif" font-size="15" fill="#222">${xmlEscape(text)}</text></svg>`,
  );
}

async function cell(img: Buffer | Uint8Array | null): Promise<Buffer> {
  if (!img) {
    return sharp({ create: { ...CELL, channels: 3, background: '#ddd' } })
      .png()
      .toBuffer();
  }
  return sharp(img)
    .rotate()
    .resize({ ...CELL, fit: 'contain', background: '#eee' })
    .flatten({ background: '#eee' })
    .png()
    .toBuffer();
}

const files = inputs(process.argv.slice(2));
const spec = loadSpec();
const bgs = Object.keys(spec.backgrounds);
const pool = createPhotoPool();
const columns = 2 + bgs.length;
const rows = await Promise.all(
  files.map(async (file) => {
    const input = readFileSync(file);
    try {
      const r = await pool.make(input);
      const matte = r.cutout ? await sharp(r.cutout).extractChannel(3).toColourspace('b-w').png().toBuffer() : null;
      const issues = r.report.filter((c) => c.status !== 'pass').map((c) => `${c.status}:${c.id}`);
      return {
        file,
        cells: [input, ...bgs.map((b) => r.photos[b as keyof typeof r.photos] ?? null), matte],
        text: `${path.basename(file)}  ${r.made ? r.verdict : 'not made'}  ${issues.join(' ')}`,
      };
    } catch (e) {
      const code = e instanceof KaozhaoError ? e.code : String(e);
      return { file, cells: [input, ...bgs.map(() => null), null], text: `${path.basename(file)}  ${code}` };
    }
  }),
);
await pool.close();

const width = CELL.width * columns;
const rowHeight = CELL.height + LABEL;
const composites: OverlayOptions[] = [];
for (const [i, row] of rows.entries()) {
  const top = i * rowHeight;
  composites.push({ input: label(row.text, width), left: 0, top });
  for (const [j, c] of row.cells.entries()) {
    composites.push({ input: await cell(c), left: j * CELL.width, top: top + LABEL });
  }
}
mkdirSync('test-output', { recursive: true });
const out = path.join('test-output', 'contact-sheet.png');
await sharp({ create: { width, height: rowHeight * rows.length, channels: 3, background: '#fff' } })
  .composite(composites)
  .png()
  .toFile(out);
console.log(`${rows.length} photos → ${out}`);
