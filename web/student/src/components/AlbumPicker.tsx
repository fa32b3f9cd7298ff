import { Button, ProgressBar } from 'antd-mobile';
import { useRef, useState } from 'react';
import { sendPhoto } from '../upload.js';

/**
 * 从相册选择: a real file input behind a big button. No `capture` attribute, so phones offer the
 * gallery as well as the camera, which is the point when the live camera does not work.
 */
export function AlbumPicker({ label, primary }: { label: string; primary?: boolean }) {
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
      {progress !== null ? <ProgressBar percent={Math.round(progress * 100)} /> : null}
    </>
  );
}
