// Following one photo attempt until the server has finished with it.
import { useEffect, useState } from 'react';
import type { PhotoAttempt } from '../../../src/domain/api.js';
import { type ApiFailure, api } from './api.js';

const POLL_MS = 1000;

/**
 * Polls GET /api/student/photos/:id while it is processing. Polling rather than SSE: it survives
 * proxies and WeChat's webview that buffer event streams, and a 1 s tick is cheap for the server.
 */
export function useAttempt(id: string, follow: boolean): { attempt: PhotoAttempt | null; error: ApiFailure | null } {
  const [attempt, setAttempt] = useState<PhotoAttempt | null>(null);
  const [error, setError] = useState<ApiFailure | null>(null);
  useEffect(() => {
    let live = true;
    let timer = 0;
    let failures = 0;
    const tick = async () => {
      try {
        const a = await api.photo(id);
        if (!live) return;
        failures = 0;
        setAttempt(a);
        setError(null);
        if (follow && a.status === 'processing') timer = window.setTimeout(tick, POLL_MS);
      } catch (e) {
        if (!live) return;
        const err = e as ApiFailure;
        // A dropped connection on a train is normal: keep trying, and say so after a few misses.
        failures++;
        if (failures >= 3 || (err.status >= 400 && err.status < 500)) setError(err);
        if (err.status === 0 || err.status >= 500) timer = window.setTimeout(tick, POLL_MS * Math.min(failures, 5));
      }
    };
    tick();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [id, follow]);
  return { attempt, error };
}

/** Attempt that failed in a way the validation page can explain (has a report) vs. a plain error. */
export function hasReport(a: PhotoAttempt): boolean {
  return a.report.length > 0;
}
