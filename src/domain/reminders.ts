// Reminders to students who have not submitted (催交提醒): the channels a reminder can leave by, the
// states of one delivery and the API shapes. One definition for the server, the database schema,
// the configuration and the console.

/**
 * outbox: stored and shown in the console, nothing leaves (the default, and a dry run);
 * webhook: each message POSTed as signed JSON to the university's gateway (an SMS gateway);
 * smtp: an email through the university's mail server.
 */
export const REMINDER_CHANNELS = ['outbox', 'webhook', 'smtp'] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];

export const REMINDER_CHANNEL_LABELS: Record<ReminderChannel, string> = {
  outbox: '发件箱（不外发）',
  webhook: '短信网关（Webhook）',
  smtp: '电子邮件',
};

/** Which roster field a channel sends to: a gateway texts the phone, SMTP mails the address, and
 *  the outbox, which only shows what would be sent, takes either. */
export const REMINDER_CHANNEL_CONTACT: Record<ReminderChannel, 'phone' | 'email' | 'phone_or_email'> = {
  outbox: 'phone_or_email',
  webhook: 'phone',
  smtp: 'email',
};

/**
 * Who set a student's opt-out: an admin of their scope (the console's 退订), the student through
 * the link in a reminder (no sign-in), or the student in the app (我的照片查询).
 */
export const REMINDER_OPT_OUT_SOURCES = ['admin', 'link', 'app'] as const;
export type ReminderOptOutSource = (typeof REMINDER_OPT_OUT_SOURCES)[number];

export const REMINDER_OPT_OUT_SOURCE_LABELS: Record<ReminderOptOutSource, string> = {
  admin: '管理员代为退订',
  link: '学生通过提醒中的链接退订',
  app: '学生在照片查询页退订',
};

/**
 * The student app's page a reminder's opt-out link opens (`<app>/?unsubscribe=<token>`): a page
 * with a button, not an action on GET, so a mail scanner or a chat app's link preview that fetches
 * the link opts nobody out.
 */
export const REMINDER_OPT_OUT_PARAM = 'unsubscribe';

/**
 * queued: waiting for its time (now, or the end of quiet hours); sending: an attempt is under way;
 * retrying: an attempt failed and another is scheduled (backoff); sent: the channel accepted it
 * (the outbox: stored); failed: the retries ran out, or the channel refused it for good;
 * cancelled: the student opted out before it left, or the channel it was queued for was replaced
 * (KAOZHAO_REMINDER_CHANNEL changed) before it left; lastError says which.
 */
export const REMINDER_STATUSES = ['queued', 'sending', 'retrying', 'sent', 'failed', 'cancelled'] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export const REMINDER_STATUS_LABELS: Record<ReminderStatus, string> = {
  queued: '待发送',
  sending: '发送中',
  retrying: '等待重试',
  sent: '已发送',
  failed: '发送失败',
  cancelled: '已取消',
};

/** Statuses a delivery leaves no more. */
export const REMINDER_FINAL_STATUSES = ['sent', 'failed', 'cancelled'] as const satisfies readonly ReminderStatus[];

/** Quiet hours in China time, minutes after midnight; from > to wraps past midnight (21:00–08:00). */
export interface QuietHours {
  from: number;
  to: number;
}

// UTC+8 all year (no daylight saving): the clock students and centres live by, wherever the server is.
const CHINA_OFFSET_MS = 8 * 3600_000;

/** The end of the quiet period `now` lies in, or null when `now` is not quiet. */
export function quietUntil(now: Date, q: QuietHours | null): Date | null {
  if (!q) return null;
  const minute = Math.floor((now.getTime() + CHINA_OFFSET_MS) / 60_000) % 1440;
  const inside = q.from < q.to ? minute >= q.from && minute < q.to : minute >= q.from || minute < q.to;
  if (!inside) return null;
  const minuteStart = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(minuteStart + ((q.to - minute + 1440) % 1440) * 60_000);
}

/** 480 → "08:00". */
export function clockTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Why an uncollected student gets no reminder from a send. */
export const REMINDER_SKIP_REASONS = ['optedOut', 'noContact', 'limited'] as const;
export type ReminderSkipReason = (typeof REMINDER_SKIP_REASONS)[number];

export const REMINDER_SKIP_LABELS: Record<ReminderSkipReason, string> = {
  optedOut: '已退订提醒',
  noContact: '缺少联系方式',
  limited: '近期已提醒',
};

/** Students named in one request (the console's selected rows): at most a page of the list. */
export const REMINDER_STUDENTS_MAX = 1000;

/** POST /api/admin/units/:unitId/reminders/preview and …/reminders/send. */
export interface ReminderRequest {
  /** Default: the current campaign. */
  campaignId?: string;
  /** Only these students of the unit's uncollected list; default: all of it. */
  studentNumbers?: string[];
}

export type ReminderSkipCounts = Record<ReminderSkipReason, number>;

export interface ReminderQuietHours {
  /** China time, HH:MM. */
  from: string;
  to: string;
  /** Now inside them: messages wait until `resumesAt`. */
  active: boolean;
  resumesAt: string | null;
}

export interface ReminderPreview {
  channel: ReminderChannel;
  campaign: { id: string; name: string; endsAt: string };
  /** Uncollected students the filter names. */
  total: number;
  /** Those a send now would remind. */
  count: number;
  skipped: ReminderSkipCounts;
  /** One of the messages, as its student would get it but with the name and address masked. */
  sample: { studentNumber: string; to: string; subject: string; text: string } | null;
  quietHours: ReminderQuietHours | null;
  /** At most one reminder per student in this many hours. */
  intervalHours: number;
}

/**
 * A send to more students than one page (REMINDER_INLINE_MAX) is not built inside the request: it
 * is a job (running), answered 202, that queues a page at a time in the background; the console
 * polls GET /api/admin/reminders/sends/{batchId} for its progress. done: every page queued;
 * failed: stopped (the campaign closed, the channel was replaced, or it kept failing) — what it
 * queued before stays queued.
 */
export const REMINDER_SEND_STATUSES = ['running', 'done', 'failed'] as const;
export type ReminderSendStatus = (typeof REMINDER_SEND_STATUSES)[number];

export const REMINDER_SEND_STATUS_LABELS: Record<ReminderSendStatus, string> = {
  running: '正在生成提醒',
  done: '已全部加入发送队列',
  failed: '已中止',
};

/** Sends reaching at most this many students are queued inside the request (answered 200). */
export const REMINDER_INLINE_MAX = 500;

/** POST …/reminders/send (200 done, or 202 running) and GET /api/admin/reminders/sends/{batchId}. */
export interface ReminderSendResponse {
  /** The send's id; a running send's job id too. */
  batchId: string;
  status: ReminderSendStatus;
  channel: ReminderChannel;
  total: number;
  /** The students the send set out to remind (the preview's count when it started). */
  count: number;
  /** Messages queued for delivery so far. */
  queued: number;
  skipped: ReminderSkipCounts;
  /** Quiet hours: when the queued messages leave (null: now). */
  sendsAt: string | null;
  /** Why a failed send stopped: campaign_closed, channel_changed, error. */
  error: string | null;
  finishedAt: string | null;
}

/** One message to one student; name and address masked. */
export interface ReminderDelivery {
  id: number;
  batchId: string;
  studentNumber: string;
  maskedName: string;
  centreName: string;
  channel: ReminderChannel;
  /** 138****5678, z***@example.edu.cn */
  to: string;
  subject: string;
  /** The message with the student's name masked. */
  text: string;
  status: ReminderStatus;
  attempts: number;
  /** A short code (http_500, timeout, smtp_550…), never the receiver's text. */
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  sentBy: string | null;
}

/** GET /api/admin/units/:unitId/reminders?status=&channel=&studentNumber=&after=&limit= (newest first). */
export interface ReminderDeliveriesResponse {
  items: ReminderDelivery[];
  /** Pass as `after` for the next page; null at the end. */
  next: number | null;
}

/** A student's reminder state, for the uncollected list. */
export interface ReminderStudentState {
  studentNumber: string;
  optedOut: boolean;
  /** Has the contact the configured channel sends to (phone, email). */
  reachable: boolean;
  latest: { status: ReminderStatus; channel: ReminderChannel; at: string } | null;
}

/** GET /api/admin/units/:unitId/reminders/students?numbers=a,b,c */
export interface ReminderStudentStatesResponse {
  items: ReminderStudentState[];
}

/** PUT /api/admin/students/:studentNumber/reminder-opt-out. Answers the ReminderStudentState. */
export interface ReminderOptOutRequest {
  optOut: boolean;
}

/** POST /api/student/reminder-opt-out: the token of a reminder's link, no sign-in. */
export interface ReminderOptOutLinkRequest {
  token: string;
}

/** GET and PUT /api/student/reminders (signed in; PUT takes {optOut}); the link's answer too. */
export interface StudentReminderSetting {
  optedOut: boolean;
  /** The link's answer: the student had opted out already (the link is idempotent). */
  already?: boolean;
}

/** The console's words for a delivery's lastError (codes made by the channels, see reminder-channel.repository). */
export function reminderErrorLabel(code: string): string {
  if (code === 'timeout') return '接收方超时未响应';
  if (code === 'network') return '无法连接短信网关';
  if (code === 'smtp_connection') return '无法连接邮件服务器';
  if (code === 'opted_out') return '学生已退订';
  if (code === 'channel_changed') return '发送渠道已更换，未发出（可重新发送）';
  if (code === 'campaign_closed') return '采集活动已结束';
  if (code === 'no_recipient') return '缺少联系方式';
  const http = /^http_(\d{3})$/.exec(code);
  if (http) return `短信网关返回 ${http[1]}`;
  const smtp = /^smtp_(\d{3})$/.exec(code);
  if (smtp) return `邮件服务器拒绝（${smtp[1]}）`;
  return code;
}
