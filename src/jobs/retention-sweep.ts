// Runs the retention sweep (retention.service.ts) once shortly after start, then every hour, in
// the processes that make photos. Several worker processes may all run this timer: the sweep
// itself takes a PostgreSQL advisory lock, so only one of them sweeps at a time.
import type { RetentionSweepResult } from '../server/services/retention.service.js';

export const RETENTION_INTERVAL_MS = 3600_000;
/** The first sweep waits this long, so it does not compete with the start (migrations, models). */
const FIRST_DELAY_MS = 30_000;

export function createRetentionSweeper(opts: {
  sweep: (signal: AbortSignal) => Promise<RetentionSweepResult | null>;
  intervalMs?: number;
  firstDelayMs?: number;
  /** Counts only (the result holds no personal data). */
  onSweep?: (r: RetentionSweepResult) => void;
  /** A failed sweep: its error, never row contents. */
  onError?: (e: unknown) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  const arm = (ms: number) => {
    timer = setTimeout(run, ms);
    // An idle timer must not keep a process (or a test run) alive.
    timer.unref?.();
  };

  const run = () => {
    if (stopped || current) return;
    current = opts
      .sweep(abort.signal)
      .then((r) => {
        if (r) opts.onSweep?.(r);
      })
      .catch((e: unknown) => opts.onError?.(e))
      .finally(() => {
        current = undefined;
        if (!stopped) arm(opts.intervalMs ?? RETENTION_INTERVAL_MS);
      });
  };

  return {
    start(): void {
      if (timer || current || stopped) return;
      arm(opts.firstDelayMs ?? FIRST_DELAY_MS);
    },
    /** A sweep under way stops after its current batch (each batch is one transaction). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await current;
    },
  };
}
