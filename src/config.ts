// Runtime configuration from environment variables. Every variable is optional so that a bare
// `npm start` runs on embedded defaults (PGlite in DATA_DIR, in-process photo workers).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type QuietHours, REMINDER_CHANNELS, type ReminderChannel } from './domain/reminders.js';

export const STORAGE_KINDS = ['fs', 'db', 's3'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** An S3-compatible bucket (AWS S3, MinIO, Tencent COS, Aliyun OSS, s3rver in the tests). */
export interface S3Settings {
  /** Unset: AWS S3 itself, addressed by the region. */
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO, s3rver need it). */
  forcePathStyle: boolean;
}

export interface Config {
  port: number;
  /** Listen address: loopback unless HOST opens it (a reverse proxy on the same machine is the usual front). */
  host: string;
  dataDir: string;
  /** PostgreSQL server; when unset the embedded PGlite database in DATA_DIR/pg is used. */
  databaseUrl: string | undefined;
  /** 32+ bytes of key material for ID-number encryption and lookup hashes. */
  secret: string;
  /** Photo worker threads in this process (0 = this process enqueues only). */
  photoPoolSize: number;
  /** A photo using more CPU time than this is abandoned and its worker thread replaced: a hang,
   *  not a busy machine (pool.ts). Model loading is not counted. */
  photoTimeoutSeconds: number;
  /** Durable queue: seconds before an unfinished job (its worker died) is retried, and sweep interval. */
  jobExpireSeconds: number;
  jobMaintenanceSeconds: number;
  /** Durable queue: retries of a job after its first attempt (expiries and errors count). */
  jobRetryLimit: number;
  /** Upload limit in bytes. */
  uploadLimitBytes: number;
  /** Where photo files live: the filesystem under DATA_DIR, the database (shared by machines), or
   *  an S3-compatible bucket (shared by machines, keeps the database small). */
  storage: StorageKind;
  /** KAOZHAO_S3_*: set when storage is 's3' (the bucket; also the target of `kaozhao storage migrate`). */
  s3: S3Settings | undefined;
  /** Student session lifetime. */
  studentSessionMinutes: number;
  adminSessionMinutes: number;
  /** Identify/verify attempts per client address per minute. */
  identifyPerIpPerMinute: number;
  /** Wrong ID numbers for one student number from one client address in an hour; that address
   *  is then refused for that student until the oldest failure is an hour old. */
  verifyFailuresPerAddressPerHour: number;
  /** Wrong ID numbers for one student number (any address, last hour) before waits start. */
  verifyFreeFailures: number;
  /** Longest wait after a wrong ID number: the student-wide backoff doubles from 2 s up to this. */
  verifyBackoffCapSeconds: number;
  /** Photos one student may upload per window; a refused upload does not count. */
  uploadsPerWindow: number;
  uploadWindowMinutes: number;
  /** Proxy addresses/CIDRs whose X-Forwarded-For is believed (empty: none, the socket address counts). */
  trustProxy: string[];
  /** Set Secure on every cookie (KAOZHAO_SECURE_COOKIES=1, or NODE_ENV=production). Without it a
   *  cookie is still Secure when its request came over HTTPS (directly, or from a trusted proxy). */
  secureCookies: boolean;
  logLevel: string;
  /** Version of the consent agreement students must accept. */
  agreementVersion: string;
  /** Seed the demo university into an empty database: a fresh clone's `npm start` only, never a
   *  real deployment (NODE_ENV=production or DATABASE_URL) unless KAOZHAO_DEMO=1 asks for it. */
  demo: boolean;
  /** Data rows a roster file may hold; a larger file is refused whole (split it). */
  rosterMaxRows: number;
  /** Where students open the app (KAOZHAO_PUBLIC_URL, e.g. https://photo.example.edu.cn/): the
   *  base of the entry links and QR codes that centres print. Unset: the address the admin's
   *  browser used, which is wrong when that is an intranet name students cannot reach. */
  publicUrl: string | undefined;
  /** KAOZHAO_METRICS_TOKEN: GET /metrics (Prometheus) answers only with `Authorization: Bearer` and
   *  this token; unset, there is no /metrics at all. */
  metricsToken: string | undefined;
  /** Reminders to students who have not submitted (src/domain/reminders.ts): where they go. */
  reminderChannel: ReminderChannel;
  /** webhook channel: the gateway's URL, and the key of the HMAC-SHA256 signature of each POST. */
  reminderWebhookUrl: string | undefined;
  reminderWebhookSecret: string | undefined;
  /** smtp channel: smtp://user:pass@host:587 or smtps://…:465, and the From address. */
  smtpUrl: string | undefined;
  smtpFrom: string | undefined;
  /** China time, minutes after midnight; a range past midnight wraps (21:00–08:00). null: none. */
  reminderQuietHours: QuietHours | null;
  /** At most one reminder per student in this many hours. */
  reminderIntervalHours: number;
  /** Attempts after the first before a delivery is marked failed. */
  reminderRetryLimit: number;
  /** Wait before the first retry; each further one waits twice as long. */
  reminderRetryBaseMs: number;
  /** KAOZHAO_RETENTION_DAYS: source photos and rejected, failed or abandoned attempts older than
   *  this are deleted by the sweep of the process that makes photos (retention.service.ts). Unset: kept. */
  retentionDays: number | undefined;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(n);
}

/** The secret comes from KAOZHAO_SECRET, or is generated once and kept in DATA_DIR/secret.key. */
function loadSecret(dataDir: string): string {
  const fromEnv = process.env.KAOZHAO_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('KAOZHAO_SECRET must be at least 32 characters');
    return fromEnv;
  }
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // Losing this file makes stored ID numbers unreadable: it is created once, owner-readable only.
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** KAOZHAO_DEMO=1 or 0 decides; otherwise only a development start on the embedded database. */
function demoWanted(databaseUrl: string | undefined): boolean {
  const flag = process.env.KAOZHAO_DEMO;
  if (flag === '1') return true;
  if (flag === '0') return false;
  if (flag) throw new Error('KAOZHAO_DEMO must be 1 or 0');
  return process.env.NODE_ENV !== 'production' && !databaseUrl;
}

/** A printed QR code cannot be corrected later: a malformed base is refused at start, not printed. */
function publicUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error('KAOZHAO_PUBLIC_URL must be an http(s) URL such as https://photo.example.edu.cn/');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) {
    throw new Error('KAOZHAO_PUBLIC_URL must be an http(s) URL without query or fragment');
  }
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}

/** A guessable token would publish the metrics: refused at start rather than accepted. */
function metricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 24) throw new Error('KAOZHAO_METRICS_TOKEN must be at least 24 characters');
  return raw;
}

/** A reminder channel that cannot work is refused at start, not discovered at the first send. */
function reminderSettings() {
  const raw = process.env.KAOZHAO_REMINDER_CHANNEL || 'outbox';
  if (!(REMINDER_CHANNELS as readonly string[]).includes(raw)) {
    throw new Error(`KAOZHAO_REMINDER_CHANNEL must be one of ${REMINDER_CHANNELS.join(', ')}`);
  }
  const channel = raw as ReminderChannel;
  const webhookUrl = process.env.KAOZHAO_REMINDER_WEBHOOK_URL || undefined;
  const webhookSecret = process.env.KAOZHAO_REMINDER_WEBHOOK_SECRET || undefined;
  const smtpUrl = process.env.KAOZHAO_SMTP_URL || undefined;
  const smtpFrom = process.env.KAOZHAO_SMTP_FROM || undefined;
  if (webhookUrl && !/^https?:$/.test(parsedUrl('KAOZHAO_REMINDER_WEBHOOK_URL', webhookUrl).protocol)) {
    throw new Error('KAOZHAO_REMINDER_WEBHOOK_URL must be an http(s) URL');
  }
  if (webhookSecret && webhookSecret.length < 16) {
    throw new Error('KAOZHAO_REMINDER_WEBHOOK_SECRET must be at least 16 characters');
  }
  if (smtpUrl && !/^smtps?:$/.test(parsedUrl('KAOZHAO_SMTP_URL', smtpUrl).protocol)) {
    throw new Error('KAOZHAO_SMTP_URL must look like smtp://user:password@host:587 or smtps://…:465');
  }
  if (channel === 'webhook' && !(webhookUrl && webhookSecret)) {
    throw new Error('KAOZHAO_REMINDER_CHANNEL=webhook needs KAOZHAO_REMINDER_WEBHOOK_URL and _SECRET');
  }
  if (channel === 'smtp' && !(smtpUrl && smtpFrom)) {
    throw new Error('KAOZHAO_REMINDER_CHANNEL=smtp needs KAOZHAO_SMTP_URL and KAOZHAO_SMTP_FROM');
  }
  const retrySeconds = Number(process.env.KAOZHAO_REMINDER_RETRY_SECONDS || 60);
  if (!(retrySeconds > 0)) throw new Error('KAOZHAO_REMINDER_RETRY_SECONDS must be a positive number');
  return {
    reminderChannel: channel,
    reminderWebhookUrl: webhookUrl,
    reminderWebhookSecret: webhookSecret,
    smtpUrl,
    smtpFrom,
    reminderQuietHours: quietHours(process.env.KAOZHAO_REMINDER_QUIET_HOURS ?? '21:00-08:00'),
    reminderIntervalHours: int('KAOZHAO_REMINDER_INTERVAL_HOURS', 24),
    reminderRetryLimit: int('KAOZHAO_REMINDER_RETRY_LIMIT', 5),
    reminderRetryBaseMs: Math.round(retrySeconds * 1000),
  };
}

function parsedUrl(name: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
}

/** Unset, empty or "off": no retention sweep. Deleting is irreversible, so anything but a positive
 *  whole number of days (0 could read as "delete at once") stops the start. */
function retentionDays(raw: string | undefined): number | undefined {
  const v = raw?.trim();
  if (!v || v === 'off') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) {
    throw new Error('KAOZHAO_RETENTION_DAYS must be a positive whole number of days, or unset/"off"');
  }
  return Number(v);
}

/** "21:00-08:00" or "21-8" (China time); "" or "off": none. */
export function quietHours(raw: string): QuietHours | null {
  const v = raw.trim();
  if (v === '' || v === 'off') return null;
  const m = /^(\d{1,2})(?::([0-5]\d))?-(\d{1,2})(?::([0-5]\d))?$/.exec(v);
  const from = m ? Number(m[1]) * 60 + Number(m[2] ?? 0) : Number.NaN;
  const to = m ? Number(m[3]) * 60 + Number(m[4] ?? 0) : Number.NaN;
  if (!(from < 1440 && to <= 1440 && from !== to % 1440)) {
    throw new Error('KAOZHAO_REMINDER_QUIET_HOURS must look like 21:00-08:00 (China time), or be "off"');
  }
  return { from, to: to % 1440 };
}

/** KAOZHAO_STORAGE, or the default: the database with a PostgreSQL server, else the filesystem. */
export function storageKind(databaseUrl: string | undefined): StorageKind {
  const raw = process.env.KAOZHAO_STORAGE;
  if (!raw) return databaseUrl ? 'db' : 'fs';
  // A typo must not quietly leave photos on one machine's disk.
  if (!(STORAGE_KINDS as readonly string[]).includes(raw)) {
    throw new Error(`KAOZHAO_STORAGE must be one of ${STORAGE_KINDS.join(', ')}`);
  }
  return raw as StorageKind;
}

/**
 * The bucket from KAOZHAO_S3_*. Errors name the variable, never a value: the secret must not
 * reach a terminal or a log, and an endpoint could carry credentials.
 */
export function s3SettingsFromEnv(): S3Settings {
  const env = (name: string) => process.env[name]?.trim() || undefined;
  const need = (name: string) => {
    const v = env(name);
    if (!v) throw new Error(`the S3 photo storage needs ${name} (KAOZHAO_STORAGE=s3, kaozhao storage migrate)`);
    return v;
  };
  const rawEndpoint = env('KAOZHAO_S3_ENDPOINT');
  let endpoint: string | undefined;
  if (rawEndpoint) {
    let u: URL;
    try {
      u = new URL(rawEndpoint);
    } catch {
      throw new Error('KAOZHAO_S3_ENDPOINT must be an http(s) URL such as https://minio.example.edu.cn:9000');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new Error('KAOZHAO_S3_ENDPOINT must be an http(s) URL such as https://minio.example.edu.cn:9000');
    }
    if (u.username || u.password) {
      throw new Error(
        'KAOZHAO_S3_ENDPOINT must not hold credentials: use KAOZHAO_S3_ACCESS_KEY_ID and _SECRET_ACCESS_KEY',
      );
    }
    endpoint = u.toString().replace(/\/$/, '');
  }
  const bucket = need('KAOZHAO_S3_BUCKET');
  // The SDK signs with a region even when the service ignores it (MinIO, s3rver): a custom
  // endpoint gets AWS's default; AWS itself must be told where the bucket is.
  const region = endpoint ? (env('KAOZHAO_S3_REGION') ?? 'us-east-1') : need('KAOZHAO_S3_REGION');
  const accessKeyId = need('KAOZHAO_S3_ACCESS_KEY_ID');
  const secretAccessKey = need('KAOZHAO_S3_SECRET_ACCESS_KEY');
  const pathStyle = env('KAOZHAO_S3_FORCE_PATH_STYLE');
  if (pathStyle && pathStyle !== '1' && pathStyle !== '0')
    throw new Error('KAOZHAO_S3_FORCE_PATH_STYLE must be 1 or 0');
  // Self-hosted services (MinIO, s3rver) rarely have a DNS name per bucket; AWS wants virtual hosts.
  const forcePathStyle = pathStyle ? pathStyle === '1' : Boolean(endpoint);
  return { endpoint, bucket, region, accessKeyId, secretAccessKey, forcePathStyle };
}

export function loadConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? process.env.DATA_DIR ?? './data');
  const databaseUrl = overrides.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  const storage = overrides.storage ?? storageKind(databaseUrl);
  return {
    port: int('PORT', 3000),
    host: process.env.HOST || '127.0.0.1',
    dataDir,
    databaseUrl,
    secret: overrides.secret ?? loadSecret(dataDir),
    // One per core (up to 4, ≈ 450 MB each): the worker threads run at a lower priority
    // (KAOZHAO_PHOTO_NICE), so API requests are still served first on a busy machine.
    photoPoolSize: int('KAOZHAO_PHOTO_WORKERS', Math.max(1, Math.min(4, os.availableParallelism()))),
    photoTimeoutSeconds: int('KAOZHAO_PHOTO_TIMEOUT_SECONDS', 60),
    jobExpireSeconds: int('KAOZHAO_JOB_EXPIRE_SECONDS', 300),
    jobMaintenanceSeconds: int('KAOZHAO_JOB_MAINTENANCE_SECONDS', 30),
    jobRetryLimit: int('KAOZHAO_JOB_RETRY_LIMIT', 3),
    uploadLimitBytes: int('KAOZHAO_UPLOAD_LIMIT_MB', 20) * 1024 * 1024,
    storage,
    s3: storage === 's3' && !overrides.s3 ? s3SettingsFromEnv() : undefined,
    studentSessionMinutes: int('KAOZHAO_STUDENT_SESSION_MINUTES', 60),
    adminSessionMinutes: int('KAOZHAO_ADMIN_SESSION_MINUTES', 480),
    identifyPerIpPerMinute: int('KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE', 30),
    verifyFailuresPerAddressPerHour: Math.max(1, int('KAOZHAO_VERIFY_FAILURES_PER_ADDRESS_PER_HOUR', 10)),
    verifyFreeFailures: int('KAOZHAO_VERIFY_FREE_FAILURES', 5),
    verifyBackoffCapSeconds: Math.max(1, int('KAOZHAO_VERIFY_BACKOFF_CAP_SECONDS', 60)),
    uploadsPerWindow: Math.max(1, int('KAOZHAO_UPLOADS_PER_STUDENT', 10)),
    uploadWindowMinutes: Math.max(1, int('KAOZHAO_UPLOAD_WINDOW_MINUTES', 10)),
    trustProxy: (process.env.KAOZHAO_TRUST_PROXY ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
    secureCookies: process.env.KAOZHAO_SECURE_COOKIES === '1' || process.env.NODE_ENV === 'production',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    agreementVersion: '2026-1',
    demo: demoWanted(databaseUrl),
    rosterMaxRows: Math.max(1, int('KAOZHAO_ROSTER_MAX_ROWS', 50_000)),
    publicUrl: publicUrl(process.env.KAOZHAO_PUBLIC_URL),
    metricsToken: metricsToken(process.env.KAOZHAO_METRICS_TOKEN),
    ...reminderSettings(),
    retentionDays: retentionDays(process.env.KAOZHAO_RETENTION_DAYS),
    ...overrides,
  };
}
