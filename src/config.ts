// Runtime configuration from environment variables. Every variable is optional so that a bare
// `npm start` runs on embedded defaults (PGlite in DATA_DIR, in-process photo workers).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Config {
  port: number;
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
  /** Where photo files live: the filesystem under DATA_DIR or the database (shared by machines). */
  storage: 'fs' | 'db';
  /** Student session lifetime. */
  studentSessionMinutes: number;
  adminSessionMinutes: number;
  /** Identify/verify attempts per client IP per minute, and per student number per hour. */
  identifyPerIpPerMinute: number;
  identifyPerStudentPerHour: number;
  /** Set Secure on cookies (behind HTTPS). */
  secureCookies: boolean;
  logLevel: string;
  /** Version of the consent agreement students must accept. */
  agreementVersion: string;
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

export function loadConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? process.env.DATA_DIR ?? './data');
  const databaseUrl = overrides.databaseUrl ?? (process.env.DATABASE_URL || undefined);
  const storageEnv = process.env.KAOZHAO_STORAGE;
  return {
    port: int('PORT', 3000),
    host: process.env.HOST ?? '0.0.0.0',
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
    storage: storageEnv === 'fs' || storageEnv === 'db' ? storageEnv : databaseUrl ? 'db' : 'fs',
    studentSessionMinutes: int('KAOZHAO_STUDENT_SESSION_MINUTES', 60),
    adminSessionMinutes: int('KAOZHAO_ADMIN_SESSION_MINUTES', 480),
    identifyPerIpPerMinute: int('KAOZHAO_IDENTIFY_PER_IP_PER_MINUTE', 30),
    identifyPerStudentPerHour: int('KAOZHAO_IDENTIFY_PER_STUDENT_PER_HOUR', 20),
    secureCookies: process.env.KAOZHAO_SECURE_COOKIES === '1',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    agreementVersion: '2026-1',
    ...overrides,
  };
}
