// Drawn portraits for the demo's submitted photos. The repository holds no face photos, and a demo
// shown to visitors must not show real people: each "photo" is a simple illustrated figure on the
// spec's background, marked 示例 DEMO, in the spec's size. The engine never sees them (it would find
// no face); their rows say they are demo data (demo-activity.ts).
import sharp from 'sharp';
import type { BackgroundName } from '../domain/backgrounds.js';

export interface PortraitLook {
  skin: number;
  hair: number;
  style: number;
  clothes: number;
}

const SKINS = ['#f3d2b3', '#e8b995', '#d9a27a', '#f6dcc6'];
const HAIRS = ['#1d1a19', '#2e2420', '#3b2a20', '#141414'];
// Dark or saturated enough to stand apart from every background colour (clothing.contrast).
const CLOTHES = ['#27364f', '#3d3d44', '#1f2a2e', '#5a2a2f', '#2f4a3a', '#4a3b5c'];
const STYLES = 3;

export const PORTRAIT_LOOKS = SKINS.length * HAIRS.length * STYLES * CLOTHES.length;

/** The n-th look: neighbours differ in every feature, so a page of the queue is not all alike. */
export function lookOf(n: number): PortraitLook {
  const i = ((n % PORTRAIT_LOOKS) + PORTRAIT_LOOKS) % PORTRAIT_LOOKS;
  return {
    skin: i % SKINS.length,
    hair: Math.floor(i / SKINS.length) % HAIRS.length,
    style: (i + Math.floor(i / 16)) % STYLES,
    clothes: (i * 5 + Math.floor(i / 7)) % CLOTHES.length,
  };
}

// Strokes on a 10×10 grid, so the mark needs no font (a server may have no CJK font at all).
const MARK_GLYPHS = [
  'M3 1H7M1 4H9M5 4V9.3L4 8.6M3.2 6L1.6 8.2M6.8 6L8.4 8.2', // 示
  'M2.6 0.8L1 4.6M1.8 3V9.6M3.4 1.4H6.6M4.9 1.4L3.8 4.4M4.2 3.6H6.2L4.4 8.4M4.8 5.6L5.9 6.6M7.3 2.4V7.2M9 0.8V9.6L8.2 9.1', // 例
  '',
  'M1.5 1V9H4Q8.5 9 8.5 5Q8.5 1 4 1Z', // D
  'M8 1H2V9H8M2 5H7', // E
  'M1 9V1L5 6L9 1V9', // M
  'M5 1A3.8 4 0 1 0 5.01 1Z', // O
];

function mark(x: number, y: number, size: number): string {
  const step = size * 1.1;
  const strokes = MARK_GLYPHS.map((d, i) =>
    d ? `<path transform="translate(${x + i * step} ${y}) scale(${size / 10})" d="${d}"/>` : '',
  ).join('');
  const w = MARK_GLYPHS.length * step + size * 0.6;
  return (
    `<rect x="${x - size * 0.4}" y="${y - size * 0.35}" width="${w}" height="${size * 1.7}" rx="${size * 0.3}" fill="#fff" fill-opacity="0.8"/>` +
    `<g fill="none" stroke="#c0392b" stroke-width="${(1.3 * 10) / size}" stroke-linecap="round" stroke-linejoin="round">${strokes}</g>`
  );
}

function hairBack(style: number, c: string): string {
  // Long hair falls behind the shoulders; short styles have nothing behind the head.
  return style === 2 ? `<path d="M128 250Q120 120 240 98Q360 120 352 250L368 470H112Z" fill="${c}"/>` : '';
}

function hairFront(style: number, c: string): string {
  if (style === 0)
    return `<path d="M134 236Q128 104 240 92Q352 104 346 236Q330 160 240 150Q150 160 134 236Z" fill="${c}"/>`;
  if (style === 1)
    return `<path d="M136 240Q122 96 246 88Q356 100 344 232Q320 150 262 146Q200 180 136 240Z" fill="${c}"/>`;
  return `<path d="M132 260Q126 104 240 94Q354 104 348 260Q334 168 240 156Q146 168 132 260Z" fill="${c}"/>`;
}

function svg(look: PortraitLook): string {
  const skin = SKINS[look.skin]!;
  const hair = HAIRS[look.hair]!;
  const cloth = CLOTHES[look.clothes]!;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="640" viewBox="0 0 480 640">
${hairBack(look.style, hair)}
<path d="M30 640Q34 500 150 468L200 452H280L330 468Q446 500 450 640Z" fill="${cloth}"/>
<path d="M204 380H276V462Q240 492 204 462Z" fill="${skin}"/>
<path d="M206 452L240 500L274 452L262 446L240 470L218 446Z" fill="#f4f4f4"/>
<ellipse cx="134" cy="262" rx="14" ry="26" fill="${skin}"/>
<ellipse cx="346" cy="262" rx="14" ry="26" fill="${skin}"/>
<ellipse cx="240" cy="250" rx="106" ry="138" fill="${skin}"/>
${hairFront(look.style, hair)}
<path d="M178 222Q198 212 218 220M262 220Q282 212 302 222" stroke="${hair}" stroke-width="6" fill="none" stroke-linecap="round"/>
<ellipse cx="198" cy="250" rx="11" ry="8" fill="#fff"/><ellipse cx="282" cy="250" rx="11" ry="8" fill="#fff"/>
<circle cx="198" cy="250" r="5.5" fill="#2b2220"/><circle cx="282" cy="250" r="5.5" fill="#2b2220"/>
<path d="M240 262V298Q240 306 230 304" stroke="#b98463" stroke-width="3" fill="none" stroke-linecap="round"/>
<path d="M216 334Q240 342 264 334" stroke="#a0524a" stroke-width="5" fill="none" stroke-linecap="round"/>
${mark(300, 606, 16)}
</svg>`;
}

/** The figure on a transparent ground: rasterised once, then laid on each background. */
async function figure(look: PortraitLook): Promise<Buffer> {
  return sharp(Buffer.from(svg(look)))
    .png({ compressionLevel: 0 })
    .toBuffer();
}

async function onBackground(png: Buffer, bg: [number, number, number]): Promise<Uint8Array> {
  const jpeg = await sharp(png)
    .flatten({ background: { r: bg[0], g: bg[1], b: bg[2] } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

/** A 480×640 JPEG of `look` on the background colour (RGB from the spec). */
export async function drawPortrait(look: PortraitLook, bg: [number, number, number]): Promise<Uint8Array> {
  return onBackground(await figure(look), bg);
}

/** Renders each look once per background: the demo's photos share these bytes. */
export async function drawPortraits(
  looks: number,
  backgrounds: Partial<Record<BackgroundName, [number, number, number]>>,
): Promise<Map<BackgroundName, Uint8Array[]>> {
  const figures = await Promise.all(Array.from({ length: looks }, (_, i) => figure(lookOf(i))));
  const out = new Map<BackgroundName, Uint8Array[]>();
  for (const [bg, rgb] of Object.entries(backgrounds) as [BackgroundName, [number, number, number]][]) {
    out.set(bg, await Promise.all(figures.map((f) => onBackground(f, rgb))));
  }
  return out;
}
