// The ways a reminder leaves (src/domain/reminders.ts), behind one interface: the outbox keeps it,
// the webhook POSTs it as signed JSON to the university's gateway, smtp mails it. A channel says
// whether a failure is worth another attempt; it never reports the receiver's own text, which can
// quote the address.
import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { ReminderChannel } from '../../domain/reminders.js';

export interface OutgoingReminder {
  /** The delivery id: the same on every attempt, so a receiver can drop a repeat. */
  id: number;
  /** Phone number (webhook) or email address (smtp). */
  to: string;
  subject: string;
  text: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/** ok, or why not as a short code (http_500, timeout, smtp_550…) and whether to try again. */
export type DeliveryResult = { ok: true } | { ok: false; retry: boolean; error: string };

export interface ReminderChannelSender {
  readonly name: ReminderChannel;
  send(m: OutgoingReminder): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** Headers of a webhook POST: the receiver recomputes the signature over `${timestamp}.${body}`. */
export const WEBHOOK_HEADERS = {
  signature: 'x-kaozhao-signature',
  timestamp: 'x-kaozhao-timestamp',
  delivery: 'x-kaozhao-delivery',
} as const;

/** What a gateway gets and a long delivery lease must outlast (see reminder.repository). */
export const SEND_TIMEOUT_MS = 15_000;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Stored and shown in the console; nothing leaves. */
export function createOutboxChannel(): ReminderChannelSender {
  return { name: 'outbox', send: async () => ({ ok: true }), close: async () => {} };
}

export function createWebhookChannel(url: string, secret: string): ReminderChannelSender {
  return {
    name: 'webhook',
    async send(m) {
      const body = JSON.stringify({ id: m.id, to: m.to, subject: m.subject, text: m.text, attempt: m.attempt });
      // The timestamp is signed with the body, so a captured request cannot be replayed later.
      const timestamp = String(Math.floor(Date.now() / 1000));
      let status: number;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            [WEBHOOK_HEADERS.signature]: webhookSignature(secret, timestamp, body),
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.delivery]: String(m.id),
          },
          body,
          // A redirect would resend the message, signature and all, to wherever it points.
          redirect: 'manual',
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
        status = res.status;
        await res.body?.cancel();
      } catch (e) {
        return { ok: false, retry: true, error: (e as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
      }
      if (status >= 200 && status < 300) return { ok: true };
      // The gateway is down or busy: later. Anything else it refused will be refused again.
      const retry = status >= 500 || status === 408 || status === 429;
      return { ok: false, retry, error: `http_${status}` };
    },
    close: async () => {},
  };
}

export function createSmtpChannel(url: string, from: string): ReminderChannelSender {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: SEND_TIMEOUT_MS,
    greetingTimeout: SEND_TIMEOUT_MS,
    socketTimeout: SEND_TIMEOUT_MS,
  });
  return {
    name: 'smtp',
    async send(m) {
      try {
        await transport.sendMail({
          from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          headers: { 'X-Kaozhao-Delivery': String(m.id) },
        });
        return { ok: true };
      } catch (e) {
        const err = e as { responseCode?: number; code?: string };
        if (typeof err.responseCode === 'number') {
          // 5xx: the server refuses this message for good (no such mailbox…); 4xx: try later.
          return { ok: false, retry: err.responseCode < 500, error: `smtp_${err.responseCode}` };
        }
        return { ok: false, retry: true, error: err.code === 'ETIMEDOUT' ? 'timeout' : 'smtp_connection' };
      }
    },
    async close() {
      transport.close();
    },
  };
}

export function createReminderChannel(config: {
  reminderChannel: ReminderChannel;
  reminderWebhookUrl: string | undefined;
  reminderWebhookSecret: string | undefined;
  smtpUrl: string | undefined;
  smtpFrom: string | undefined;
}): ReminderChannelSender {
  // loadConfig refuses these; a configuration built in code (tests, tools) is checked here.
  const need = (v: string | undefined, name: string) => {
    if (!v) throw new Error(`reminder channel ${config.reminderChannel} needs ${name}`);
    return v;
  };
  switch (config.reminderChannel) {
    case 'webhook':
      return createWebhookChannel(
        need(config.reminderWebhookUrl, 'KAOZHAO_REMINDER_WEBHOOK_URL'),
        need(config.reminderWebhookSecret, 'KAOZHAO_REMINDER_WEBHOOK_SECRET'),
      );
    case 'smtp':
      return createSmtpChannel(need(config.smtpUrl, 'KAOZHAO_SMTP_URL'), need(config.smtpFrom, 'KAOZHAO_SMTP_FROM'));
    case 'outbox':
      return createOutboxChannel();
  }
}
