// What the app keeps between page loads: only the id of the attempt being made (no personal data),
// so a reload during 制作中 resumes the same job. Identity lives in the server's httpOnly cookie.
import { useEffect, useState } from 'react';
import type { MeResponse } from '../../../src/domain/api.js';
import { type ApiFailure, api } from './api.js';
import { navigate } from './router.js';

const ATTEMPT_KEY = 'kaozhao.attempt';

export function rememberAttempt(id: string): void {
  try {
    sessionStorage.setItem(ATTEMPT_KEY, id);
  } catch {
    // Private mode in some browsers: the id in the URL still resumes the job.
  }
}

export function pendingAttempt(): string | null {
  try {
    return sessionStorage.getItem(ATTEMPT_KEY);
  } catch {
    return null;
  }
}

export function forgetAttempt(): void {
  try {
    sessionStorage.removeItem(ATTEMPT_KEY);
  } catch {
    // See rememberAttempt.
  }
}

/** Where the identity page sends the student after verification. */
export type NextStep = 'collect' | 'photos';

export function toIdentity(next: NextStep): void {
  navigate(`/identity?next=${next}`, { replace: true });
}

/**
 * The signed-in student, or a redirect to the identity page when the session cookie is missing
 * or expired (401). Other errors are returned for the page to show.
 */
export function useMe(next: NextStep): { me: MeResponse | null; error: ApiFailure | null } {
  const [me, setMe] = useState<MeResponse | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    let live = true;
    api.me().then(
      (m) => live && setMe(m),
      (e: ApiFailure) => {
        if (!live) return;
        if (e.status === 401) toIdentity(next);
        else setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [next]);
  return { me, error };
}
