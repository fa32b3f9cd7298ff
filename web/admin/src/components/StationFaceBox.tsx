// The station's face box and auto-capture. A small copy of the live frame (≤ 320 px, JPEG) goes
// to the server's face detector 3–4 times a second; the answer is drawn over the (mirrored) video
// and tells when exactly one face of a sensible size has held still long enough to capture on its
// own. The copy lives in one reused canvas and the request body only: nothing is kept, in the
// browser or on the server.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { EXAM_DETECT_LONG_SIDE, type ExamDetectResponse, type ExamFaceBox } from '../../../../src/domain/exam.js';

/** One frame every ~280 ms: the box follows a moving head well enough, the server sees ≤ 4 frames/s. */
const POLL_MS = 280;
/** After a refused or failed frame (busy, rate limit, network), the next one waits this long. */
const BACKOFF_MS = 1_500;
/** Held this long within STEADY_MOVE, one face is captured by itself. */
export const STEADY_MS = 900;
/** How far the box centre (or a tenth of its size) may move while "still", as a share of the frame width. */
const STEADY_MOVE = 0.04;
/** Face width as a share of the frame width: smaller is too far for a good comparison, larger is cut off. */
const FACE_WIDTH = { min: 0.1, max: 0.8 };

export type FaceHint = 'none' | 'many' | 'far' | 'near' | 'hold' | 'ok';

const HINT_TEXT: Record<Exclude<FaceHint, 'ok'>, string> = {
  none: '未检测到人脸',
  many: '画面中有多张人脸',
  far: '请靠近摄像头',
  near: '请离摄像头稍远一些',
  hold: '请保持不动…',
};

interface Frame {
  faces: ExamFaceBox[];
  /** Height / width of the frame the faces were found in. */
  aspect: number;
  /** When the frame was grabbed (performance.now()). */
  at: number;
}

interface Anchor {
  cx: number;
  cy: number;
  w: number;
  since: number;
  /** Counts anchors, so one steady stretch fires one capture. */
  epoch: number;
}

export interface FaceTrack {
  /** The latest answer; undefined while not tracking or before the first one. */
  frame?: Frame;
  /** Answers received while tracking (tests wait on it rather than on time). */
  detections: number;
  hint?: FaceHint;
  /** 0..1 of STEADY_MS held still (0 unless one face of a good size). */
  progress: number;
  /** Set once progress reaches 1: the steady stretch's id, for a single capture per stretch. */
  steadyEpoch?: number;
}

/** The track with the reset key it was measured under. */
interface KeyedTrack extends FaceTrack {
  key: string;
}

/** A ≤ 320 px JPEG of the current video frame, drawn into one reused canvas. */
async function smallFrame(
  video: HTMLVideoElement,
  canvas: HTMLCanvasElement,
): Promise<{ blob: Blob; aspect: number; at: number } | undefined> {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return undefined;
  const scale = Math.min(1, EXAM_DETECT_LONG_SIDE / Math.max(vw, vh));
  canvas.width = Math.max(1, Math.round(vw * scale));
  canvas.height = Math.max(1, Math.round(vh * scale));
  const at = performance.now();
  canvas.getContext('2d')?.drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.7));
  return blob ? { blob, aspect: vh / vw, at } : undefined;
}

/**
 * Polls the detector while `active` and follows the face. `resetKey` (the student number) starts
 * the steady time again: the face must hold still after the number is in, not before.
 */
export function useFaceTrack(videoRef: RefObject<HTMLVideoElement | null>, active: boolean, resetKey: string) {
  const [track, setTrack] = useState<KeyedTrack>({ key: resetKey, detections: 0, progress: 0 });
  const anchor = useRef<Anchor | undefined>(undefined);
  const epochs = useRef(0);

  const follow = useCallback((frame: Frame | undefined) => {
    setTrack((t) => {
      const detections = t.detections + 1;
      const key = t.key;
      if (!frame) {
        anchor.current = undefined;
        return { key, detections, progress: 0 };
      }
      const { faces } = frame;
      const only = faces.length === 1 ? faces[0]! : undefined;
      const hint: FaceHint =
        faces.length === 0
          ? 'none'
          : !only
            ? 'many'
            : only.width < FACE_WIDTH.min
              ? 'far'
              : only.width > FACE_WIDTH.max
                ? 'near'
                : 'hold';
      if (hint !== 'hold' || !only) {
        anchor.current = undefined;
        return { key, frame, detections, hint, progress: 0 };
      }
      // Distances in frame widths both ways, so "a few % of the width" means the same up and down.
      const cx = only.x + only.width / 2;
      const cy = (only.y + only.height / 2) * frame.aspect;
      const a = anchor.current;
      const moved =
        !a ||
        Math.max(Math.abs(cx - a.cx), Math.abs(cy - a.cy)) > STEADY_MOVE ||
        Math.abs(only.width - a.w) > STEADY_MOVE * 2.5;
      if (moved) anchor.current = { cx, cy, w: only.width, since: frame.at, epoch: ++epochs.current };
      const held = anchor.current!;
      const progress = Math.min(1, (frame.at - held.since) / STEADY_MS);
      return {
        key,
        frame,
        detections,
        hint: progress >= 1 ? 'ok' : 'hold',
        progress,
        ...(progress >= 1 ? { steadyEpoch: held.epoch } : {}),
      };
    });
  }, []);

  useEffect(() => {
    anchor.current = undefined;
    setTrack((t) => unsteady(t, resetKey));
  }, [resetKey]);

  useEffect(() => {
    if (!active) {
      anchor.current = undefined;
      setTrack((t) => ({ key: t.key, detections: 0, progress: 0 }));
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const canvas = document.createElement('canvas');
    const tick = async () => {
      const started = performance.now();
      let wait = POLL_MS;
      const video = videoRef.current;
      try {
        // A station tab in the background sends nothing: nobody is looking at its box.
        const grab = video && !document.hidden ? await smallFrame(video, canvas) : undefined;
        if (grab && !stopped) {
          const form = new FormData();
          form.append('photo', grab.blob, 'frame.jpg');
          const res = await fetch('/api/admin/exam/detect-face', {
            method: 'POST',
            credentials: 'same-origin',
            body: form,
            signal: abort.signal,
          });
          if (stopped) return;
          if (res.ok) {
            const body = (await res.json()) as ExamDetectResponse;
            follow({ faces: body.faces, aspect: grab.aspect, at: grab.at });
          } else {
            // Busy, rate-limited or signed out: no box rather than a stale one; the verification
            // by key press does not depend on it.
            follow(undefined);
            wait = BACKOFF_MS;
          }
        }
      } catch {
        if (stopped) return;
        follow(undefined);
        wait = BACKOFF_MS;
      }
      if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, wait - (performance.now() - started)));
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
    };
  }, [active, videoRef, follow]);

  // The render in which a new number first shows still holds the stretch measured before it (the
  // reset above lands one render later): a capture effect reading it would fire at once, before
  // the face has held still under the new number. So a track of another key is never returned.
  return track.key === resetKey ? track : unsteady(track, resetKey);
}

/** The track under a new reset key: no steady time held yet. */
function unsteady(t: KeyedTrack, key: string): KeyedTrack {
  const { steadyEpoch: _, ...rest } = t;
  return { ...rest, key, progress: 0, hint: t.hint === 'ok' ? 'hold' : t.hint };
}

/**
 * The box over the video. The video is shown mirrored and cropped to fill its 4:3 frame
 * (object-fit: cover), so the box is placed the same way: scaled by the cover factor, centred, and
 * flipped left to right.
 */
export function FaceBoxLayer({
  track,
  videoRef,
  autoCapture,
  armed,
}: {
  track: FaceTrack;
  videoRef: RefObject<HTMLVideoElement | null>;
  /** Auto-capture on: the progress cue is shown. */
  autoCapture: boolean;
  /** A student number is in: the steady face will be captured. */
  armed: boolean;
}) {
  const video = videoRef.current;
  const frame = track.frame;
  const W = video?.clientWidth ?? 0;
  const H = video?.clientHeight ?? 0;
  const vw = video?.videoWidth ?? 0;
  const vh = video?.videoHeight ?? 0;
  const boxes =
    frame && W && H && vw && vh
      ? (() => {
          const s = Math.max(W / vw, H / vh);
          const dw = vw * s;
          const dh = vh * s;
          const ox = (W - dw) / 2;
          const oy = (H - dh) / 2;
          return frame.faces.map((f) => {
            const left = W - (ox + (f.x + f.width) * dw);
            return {
              left: (left / W) * 100,
              top: ((oy + f.y * dh) / H) * 100,
              width: ((f.width * dw) / W) * 100,
              height: ((f.height * dh) / H) * 100,
            };
          });
        })()
      : [];
  const good = track.hint === 'hold' || track.hint === 'ok';
  const showProgress = autoCapture && armed && good;
  const hint = track.hint && track.hint !== 'ok' && (track.hint !== 'hold' || showProgress) ? track.hint : undefined;
  return (
    <div
      className="kz-exam-facelayer"
      aria-hidden
      data-testid="exam-facebox-layer"
      data-faces={frame ? frame.faces.length : ''}
      data-detections={track.detections}
      data-progress={track.progress.toFixed(2)}
    >
      {boxes.map((b, i) => (
        <div
          // biome-ignore lint/suspicious/noArrayIndexKey: boxes have no identity from frame to frame.
          key={i}
          className={`kz-exam-facebox${good ? ' kz-exam-facebox-good' : ''}`}
          style={{ left: `${b.left}%`, top: `${b.top}%`, width: `${b.width}%`, height: `${b.height}%` }}
          data-testid="exam-face-box"
        />
      ))}
      {hint && (
        <div className={`kz-exam-facehint kz-exam-facehint-${hint}`} data-testid="exam-face-hint" data-hint={hint}>
          {HINT_TEXT[hint]}
        </div>
      )}
      {showProgress && (
        <div className="kz-exam-steady" data-testid="exam-steady">
          <div style={{ width: `${Math.round(track.progress * 100)}%` }} />
        </div>
      )}
    </div>
  );
}
