import { Button, ProgressBar } from 'antd-mobile';
import { useEffect, useRef, useState } from 'react';
import { createAnalyser, type Hints } from '../camera/hints.js';
import { useCamera } from '../camera/useCamera.js';
import { AlbumPicker } from '../components/AlbumPicker.js';
import { Page } from '../components/Page.js';
import { PermissionHelp } from '../components/PermissionHelp.js';
import { StateScreen } from '../components/StateScreen.js';
import { toIdentity, useMe } from '../session.js';
import { sendPhoto } from '../upload.js';

function HintList({ hints }: { hints: Hints | null }) {
  if (!hints) return <ul className="hints" />;
  const items: [boolean, string][] = [
    [hints.face, hints.face ? '已检测到人脸' : '未检测到人脸，请正对镜头'],
    [hints.centred, hints.centred ? '位置居中' : '请把头部放进轮廓中间'],
    [hints.size === 'ok', hints.size === 'ok' ? '距离合适' : hints.size === 'small' ? '请靠近一些' : '请离远一些'],
    [
      hints.light === 'ok',
      {
        ok: '光线充足',
        dark: '光线太暗，请到明亮处',
        bright: '光线过亮',
        backlit: '逆光了，请面向光源',
        black: '画面全黑：请检查相机权限，或点「相册」选择照片',
      }[hints.light],
    ],
  ];
  return (
    <ul className="hints" data-testid="camera-hints">
      {items.map(([ok, text]) => (
        <li key={text} className={ok ? 'hint hint-ok' : 'hint hint-warn'}>
          {ok ? '✓' : '!'} {text}
        </li>
      ))}
    </ul>
  );
}

/** Head-and-shoulders outline; the darkened surround tells where the head goes. */
const HEAD = 'M80 150a70 90 0 1 0 140 0a70 90 0 1 0 -140 0Z';
const SHOULDERS = 'M12 400v-30q6-52 78-66q34-7 38-40M172 264q4 33 38 40q72 14 78 66v30';

function Outline() {
  return (
    <svg className="outline" viewBox="0 0 300 400" preserveAspectRatio="xMidYMid slice" aria-hidden="true">
      <path d={`M0 0h300v400H0Z ${HEAD}`} fillRule="evenodd" fill="rgba(0,0,0,.45)" />
      <path d={HEAD} fill="none" stroke="#fff" strokeWidth="3" strokeDasharray="8 6" />
      <path d={SHOULDERS} fill="none" stroke="#fff" strokeWidth="3" strokeDasharray="8 6" />
    </svg>
  );
}

function capture(video: HTMLVideoElement): Promise<Blob | null> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d')?.drawImage(video, 0, 0);
  return new Promise((r) => canvas.toBlob(r, 'image/jpeg', 0.92));
}

function Preview({ shot, onRetake }: { shot: Blob; onRetake: () => void }) {
  const [url] = useState(() => URL.createObjectURL(shot));
  const [progress, setProgress] = useState<number | null>(null);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  const use = async () => {
    setProgress(0);
    if (!(await sendPhoto(shot, 'camera.jpg', setProgress))) setProgress(null);
  };
  return (
    <div className="preview">
      <img src={url} alt="刚拍的照片" className="preview-img" />
      {progress !== null ? <ProgressBar percent={Math.round(progress * 100)} /> : null}
      <div className="row">
        <Button size="large" onClick={onRetake} disabled={progress !== null}>
          重拍
        </Button>
        <Button size="large" color="primary" onClick={use} loading={progress !== null} loadingText="正在上传">
          使用这张
        </Button>
      </div>
    </div>
  );
}

function Viewfinder() {
  const video = useRef<HTMLVideoElement>(null);
  const { facing, state, flip, retry } = useCamera(video);
  const [hints, setHints] = useState<Hints | null>(null);
  const [shot, setShot] = useState<Blob | null>(null);

  useEffect(() => {
    if (state.kind !== 'live' || shot) return;
    const analyser = createAnalyser();
    let busy = false;
    const timer = window.setInterval(async () => {
      if (busy || !video.current) return;
      busy = true;
      try {
        setHints(await analyser.analyse(video.current));
      } finally {
        busy = false;
      }
    }, 400);
    return () => window.clearInterval(timer);
  }, [state.kind, shot]);

  if (state.kind === 'failed') return <PermissionHelp problem={state.problem} onRetry={retry} />;
  if (shot) return <Preview shot={shot} onRetake={() => setShot(null)} />;

  const shoot = async () => {
    if (video.current?.videoWidth) setShot(await capture(video.current));
  };

  return (
    <div className="camera">
      <div className="viewfinder">
        <video
          ref={video}
          className={facing === 'user' ? 'mirror' : undefined}
          playsInline
          muted
          autoPlay
          data-testid="camera-video"
        />
        <Outline />
        <HintList hints={hints} />
      </div>
      <div className="camera-bar">
        <AlbumPicker label="相册" compact />
        <button
          type="button"
          className="shutter"
          aria-label="拍照"
          onClick={shoot}
          disabled={state.kind !== 'live'}
          data-testid="shutter"
        />
        <button type="button" className="flip" onClick={flip} aria-label="切换前后摄像头">
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <path
              d="M6 11h4l2-3h8l2 3h4v14H6Z M12 18a4 4 0 0 1 7-2.6M20 18a4 4 0 0 1-7 2.6"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
            />
          </svg>
          <span>{facing === 'environment' ? '前置' : '后置'}</span>
        </button>
      </div>
    </div>
  );
}

export default function Camera() {
  // Other errors than 401 (a network blip) do not block the camera: the upload reports them.
  const { me } = useMe('collect');
  // Uploading needs the current agreement accepted; send the student back to tick it.
  const needsConsent = me !== null && me.state === 'todo' && me.consentVersion !== me.currentAgreementVersion;
  useEffect(() => {
    if (needsConsent) toIdentity('collect');
  }, [needsConsent]);
  let body = <Viewfinder />;
  if (me && me.state !== 'todo') body = <StateScreen state={me.state} />;
  return (
    <Page title="拍照" dark backTo="/tips">
      {body}
    </Page>
  );
}
