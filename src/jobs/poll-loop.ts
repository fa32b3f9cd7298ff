// The loop of the jobs whose queue is a table (reminder deliveries, reminder sends): one round,
// then a sleep that a kick from this process cuts short, and a stop that waits for the round in
// hand. Other processes' work is noticed at the next poll.

export interface PollLoopOptions {
  /** One round; resolves to how long to sleep before the next (0: go again at once). */
  round(stopping: () => boolean): Promise<number>;
  /** A round that threw (the database went away): its error; the loop sleeps `errorPauseMs`. */
  onError?: (e: unknown) => void;
  errorPauseMs: number;
}

export function createPollLoop(opts: PollLoopOptions) {
  let stopped = false;
  /** Set by kick(): work was queued while a round ran, so the sleep after it is skipped. */
  let kicked = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  async function run(): Promise<void> {
    while (!stopped) {
      kicked = false;
      let wait: number;
      try {
        wait = await opts.round(() => stopped);
      } catch (e) {
        if (stopped) return;
        opts.onError?.(e);
        wait = opts.errorPauseMs;
      }
      if (wait > 0 && !stopped && !kicked) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  }

  return {
    start(): void {
      loop ??= run();
    },
    /** Work was queued by this process: look now rather than at the next poll. */
    kick(): void {
      kicked = true;
      wake?.();
    },
    /** Waits for the round in hand at most. */
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
