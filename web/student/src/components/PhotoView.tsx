import { useEffect, useRef, useState } from 'react';
import type { PhotoAttempt } from '../../../../src/domain/api.js';
import type { BackgroundName } from '../../../../src/domain/backgrounds.js';

/** Starts downloading every background variant so switching colour is instant. */
export function usePreload(urls: string[]): void {
  const key = urls.join('|');
  useEffect(() => {
    const imgs = key
      .split('|')
      .filter(Boolean)
      .map((u) => {
        const img = new Image();
        img.src = u;
        return img;
      });
    return () => {
      for (const img of imgs) img.src = '';
    };
  }, [key]);
}

/** The cut-out composited on a background colour, for when the server made no JPEG of that colour. */
function Composite({ cutout, rgb, alt }: { cutout: string; rgb: [number, number, number]; alt: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    const i = new Image();
    i.onload = () => setImg(i);
    i.src = cutout;
  }, [cutout]);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !img) return;
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(img, 0, 0);
  }, [img, rgb]);
  return <canvas ref={canvas} className="id-photo" role="img" aria-label={alt} />;
}

export function PhotoView({
  attempt,
  background,
  rgb,
}: {
  attempt: PhotoAttempt;
  background: BackgroundName;
  rgb: [number, number, number] | undefined;
}) {
  const url = attempt.photos[background];
  const alt = '制作好的证件照';
  if (url) return <img className="id-photo" src={url} alt={alt} data-testid="id-photo" data-background={background} />;
  if (attempt.cutout && rgb) return <Composite cutout={attempt.cutout} rgb={rgb} alt={alt} />;
  return <div className="id-photo id-photo-empty">暂无照片</div>;
}
