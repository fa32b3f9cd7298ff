import { Button, ProgressBar } from 'antd-mobile';
import { useRef, useState } from 'react';
import { sendPhoto } from '../upload.js';

/**
 * 从相册选择: a real file input behind a big button. No `capture` attribute, so phones offer the
 * gallery as well as the camera, which is the point when the live camera does not work.
 */
export function AlbumPicker({ label, primary, compact }: { label: string; primary?: boolean; compact?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const onFile = async (file: File | undefined) => {
    if (!file) return;
    setProgress(0);
    const ok = await sendPhoto(file, file.name || 'photo.jpg', setProgress);
    if (!ok) setProgress(null);
    if (input.current) input.current.value = '';
  };
  return (
    <>
      <input
        ref={input}
        type="file"
        accept="image/*"
        hidden
        data-testid="album-input"
        onChange={(e) => onFile(e.target.files?.[0])}
      />
      {compact ? (
        <button
          type="button"
          className="album-compact"
          disabled={progress !== null}
          onClick={() => input.current?.click()}
        >
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect x="5" y="7" width="22" height="18" rx="3" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="M8 22l6-7 4 4 3-3 4 6" fill="none" stroke="currentColor" strokeWidth="2" />
          </svg>
          <span>{progress !== null ? `${Math.round(progress * 100)}%` : label}</span>
        </button>
      ) : (
        <Button
          block
          size="large"
          color={primary ? 'primary' : 'default'}
          loading={progress !== null}
          loadingText="正在上传"
          onClick={() => input.current?.click()}
        >
          {label}
        </Button>
      )}
      {progress !== null && !compact ? <ProgressBar percent={Math.round(progress * 100)} /> : null}
    </>
  );
}
