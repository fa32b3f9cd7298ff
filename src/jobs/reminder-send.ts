// Runs the reminder sends too large for one request (a branch's or HQ's whole uncollected list:
// up to millions of students). The send is answered 202 at once and stored in reminder_sends;
// this loop, in every server and worker process, takes one nobody holds and queues it a page per
// transaction (reminder.service runNextSend). Like the delivery dispatcher, the table is the queue
// (SKIP LOCKED, a lease): it works the same on the embedded database, where pg-boss cannot run,
// and on a PostgreSQL server shared by several processes, and a send survives a restart.

import { createPollLoop } from './poll-loop.js';

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
  const loop = createPollLoop({
    round: async (stopping) => ((await opts.step(stopping)) ? 0 : POLL_MS),
    onError: opts.onError,
    errorPauseMs: ERROR_PAUSE_MS,
  });
  return {
    start: loop.start,
    /** A send was stored by this process: take it now rather than at the next poll. */
    kick: loop.kick,
    /** Waits for the page in hand at most: the send is released after it, and the next holder
     *  (another process, or this one after a restart) resumes from the last committed page. */
    stop: loop.stop,
  };
}
export type ReminderSendRunner = ReturnType<typeof createReminderSendRunner>;
