// Runs the reminder sends too large for one request (a branch's or HQ's whole uncollected list:
// up to millions of students). The send is answered 202 at once and stored in reminder_sends;
// this loop, in every server and worker process, takes one nobody holds and queues it a page per
// transaction (reminder.service runNextSend). Like the delivery dispatcher, the table is the queue
// (SKIP LOCKED, a lease): it works the same on the embedded database, where pg-boss cannot run,
// and on a PostgreSQL server shared by several processes, and a send survives a restart.

/** Longest sleep: a send made by another process is taken within this. */
const POLL_MS = 5_000;
/** After a failed step (the database went away): wait before trying again. */
const ERROR_PAUSE_MS = 5_000;

export interface ReminderSendRunnerOptions {
  /** Runs one send to its end, or until `stopping()` between pages; false when none was waiting. */
  step(stopping: () => boolean): Promise<boolean>;
  /** A step that failed: its error, never a message's content. */
  onError?: (e: unknown) => void;
}

export function createReminderSendRunner(opts: ReminderSendRunnerOptions) {
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      wake = undefined;
    });

  async function run(): Promise<void> {
    while (!stopped) {
      kicked = false;
      let wait = POLL_MS;
      try {
        if (await opts.step(() => stopped)) continue;
      } catch (e) {
        if (stopped) return;
        opts.onError?.(e);
        wait = ERROR_PAUSE_MS;
      }
      if (!stopped && !kicked) await sleep(wait);
    }
  }

  return {
    start(): void {
      loop ??= run();
    },
    /** A send was stored by this process: take it now rather than at the next poll. */
    kick(): void {
      kicked = true;
      wake?.();
    },
    /** Waits for the page in hand at most: the send is released after it, and the next holder
     *  (another process, or this one after a restart) resumes from the last committed page. */
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
export type ReminderSendRunner = ReturnType<typeof createReminderSendRunner>;
