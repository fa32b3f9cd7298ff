// getUserMedia with the fallbacks real phones need: ask for the wanted camera loosely (an `exact`
// facingMode fails outright on devices that do not report one), then for any camera at all.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import type { CameraProblem } from '../components/PermissionHelp.js';

export type Facing = 'environment' | 'user';
export type CameraState = { kind: 'starting' } | { kind: 'live' } | { kind: 'failed'; problem: CameraProblem };

function problemOf(e: unknown): CameraProblem {
  const name = (e as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'nocamera';
  return 'busy';
}

async function open(facing: Facing): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: 1920 }, height: { ideal: 1920 } },
    });
  } catch (e) {
    if (problemOf(e) === 'denied') throw e;
    return navigator.mediaDevices.getUserMedia({ audio: false, video: true });
  }
}

export function useCamera(video: RefObject<HTMLVideoElement | null>) {
  const [facing, setFacing] = useState<Facing>('environment');
  const [state, setState] = useState<CameraState>({ kind: 'starting' });
  const [attempt, setAttempt] = useState(0);
  const stream = useRef<MediaStream | null>(null);

  // `attempt` is a dependency on purpose: bumping it re-requests the camera after a denial.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    let live = true;
    setState({ kind: 'starting' });
    if (!navigator.mediaDevices?.getUserMedia) {
      setState({ kind: 'failed', problem: 'nocamera' });
      return;
    }
    open(facing).then(
      async (s) => {
        if (!live) {
          for (const t of s.getTracks()) t.stop();
          return;
        }
        stream.current = s;
        const v = video.current;
        if (v) {
          v.srcObject = s;
          try {
            await v.play();
          } catch {
            // Autoplay of a muted inline video is allowed; a failure here shows as a black view.
          }
        }
        setState({ kind: 'live' });
      },
      (e) => live && setState({ kind: 'failed', problem: problemOf(e) }),
    );
    return () => {
      live = false;
      for (const t of stream.current?.getTracks() ?? []) t.stop();
      stream.current = null;
    };
  }, [facing, attempt, video]);

  const flip = useCallback(() => setFacing((f) => (f === 'environment' ? 'user' : 'environment')), []);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { facing, state, flip, retry };
}
