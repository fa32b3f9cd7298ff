// Delivers queued reminders. The deliveries table is the queue (reminder.repository): due rows are
// taken with SKIP LOCKED, so every process may run a dispatcher against one PostgreSQL server, and
// what waits survives a restart. The photo job queue does not serve here: it runs one job kind and
// has no delayed jobs in the embedded setup, where retries with backoff and quiet hours need them.
import { type QuietHours, quietUntil } from '../domain/reminders.js';
import type { ClaimedDelivery, ReminderRepository } from '../server/repositories/reminder.repository.js';
import type { ReminderChannelSender } from '../server/repositories/reminder-channel.repository.js';
import { SEND_TIMEOUT_MS } from '../server/repositories/reminder-channel.repository.js';
import { createPollLoop } from './poll-loop.js';

/** Deliveries taken per round, and sent at once (a gateway or mail server is not flooded). */
const BATCH = 20;
const CONCURRENCY = 4;
/** Longest sleep: new work from another process is noticed within this. */
const POLL_MS = 5_000;
/** An attempt still "sending" after this is taken to have died with its process. */
const LEASE_MS = 4 * SEND_TIMEOUT_MS;
const MAX_BACKOFF_MS = 6 * 3600_000;
/** How often rows waiting for another channel are looked for (at start, then this often). */
const STRANDED_SWEEP_MS = 10 * 60_000;
/** Rows cancelled per statement by that sweep. */
const STRANDED_BATCH = 5_000;

export interface ReminderDispatcherOptions {
  reminders: ReminderRepository;
  channel: ReminderChannelSender;
  quietHours: QuietHours | null;
  /** Attempts after the first before a delivery fails. */
  retryLimit: number;
  retryBaseMs: number;
  /** A round that failed (the database went away): its error, never a message's content. */
  onError?: (e: unknown) => void;
  /** Deliveries (and running sends) of another channel were cancelled: counts only. */
  onStranded?: (r: { deliveries: number; sends: number }) => void;
}

/** When attempt `attempts` + 1 may run: the base doubled per failed attempt, out of quiet hours. */
export function nextAttemptAt(now: Date, attempts: number, baseMs: number, quiet: QuietHours | null): Date {
  const delay = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
  const at = new Date(now.getTime() + delay);
  return quietUntil(at, quiet) ?? at;
}

export function createReminderDispatcher(opts: ReminderDispatcherOptions) {
  const { reminders, channel } = opts;

  /**
   * Each process delivers only its own channel's rows, so a row queued for a channel that is no
   * longer configured (KAOZHAO_REMINDER_CHANNEL changed from webhook to smtp, say) would wait
   * forever, shown as 待发送. It cannot simply go out by the new channel: its address is the old
   * channel's kind (a phone number, not a mail address). So it is cancelled with the reason
   * channel_changed, visible in the console, and the student's interval released, so the next send
   * reaches them through the new channel. During a rolling restart the process that starts last
   * decides; a row an old process is sending keeps its lease and is left alone until it ends.
   */
  let nextSweep = 0;
  async function sweepStranded(): Promise<void> {
    if (Date.now() < nextSweep) return;
    const now = new Date();
    let deliveries = 0;
    for (let n = STRANDED_BATCH; n === STRANDED_BATCH; deliveries += n) {
      n = await reminders.cancelOtherChannels(channel.name, now, STRANDED_BATCH);
    }
    const sends = await reminders.failOtherChannelSends(channel.name, now);
    nextSweep = Date.now() + STRANDED_SWEEP_MS;
    if (deliveries > 0 || sends > 0) opts.onStranded?.({ deliveries, sends });
  }

  async function deliver(d: ClaimedDelivery): Promise<void> {
    if (d.recipient === null || d.body === null) {
      await reminders.markFailed(d.id, 'no_recipient');
      return;
    }
    const r = await channel.send({ id: d.id, to: d.recipient, subject: d.subject, text: d.body, attempt: d.attempts });
    const now = new Date();
    if (r.ok) await reminders.markSent(d.id, now);
    else if (r.retry && d.attempts <= opts.retryLimit) {
      await reminders.markRetry(d.id, nextAttemptAt(now, d.attempts, opts.retryBaseMs, opts.quietHours), r.error);
    } else await reminders.markFailed(d.id, r.error);
  }

  /** One round: the due deliveries taken and attempted; how many there were. */
  async function round(): Promise<number> {
    const now = new Date();
    if (quietUntil(now, opts.quietHours)) return 0;
    const batch = await reminders.claimDue(channel.name, BATCH, now, new Date(now.getTime() + LEASE_MS));
    const queue = [...batch];
    const worker = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await deliver(d);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batch.length) }, worker));
    return batch.length;
  }

  /** How long to sleep: until the next due delivery or the end of quiet hours, at most POLL_MS. */
  async function pause(): Promise<number> {
    const now = Date.now();
    const quiet = quietUntil(new Date(now), opts.quietHours);
    const due = quiet ?? (await reminders.nextDue(channel.name));
    return due ? Math.max(0, Math.min(POLL_MS, due.getTime() - now)) : POLL_MS;
  }

  const loop = createPollLoop({
    round: async () => {
      await sweepStranded();
      if ((await round()) === BATCH) return 0;
      return pause();
    },
    onError: opts.onError,
    errorPauseMs: POLL_MS,
  });

  return {
    start: loop.start,
    /** New deliveries were queued by this process: look now rather than at the next poll. */
    kick: loop.kick,
    async stop(): Promise<void> {
      await loop.stop();
      await channel.close();
    },
  };
}
export type ReminderDispatcher = ReturnType<typeof createReminderDispatcher>;
