import type { Config } from '../../config.js';
import type { IdCipher } from '../../db/crypto.js';
import type { AgreementResponse, IdentifyResponse, StudentSelf } from '../../domain/api.js';
import { KaozhaoError } from '../../domain/errors.js';
import type { CampaignRepository } from '../repositories/campaign.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { AttemptLog, RateLimitRepository } from '../repositories/rate-limit.repository.js';
import type { SessionRepository } from '../repositories/session.repository.js';
import type { Student, StudentRepository } from '../repositories/student.repository.js';
import type { CampaignService } from './campaign.service.js';
import { isValidIdNumber, maskName, normaliseIdNumber } from './id-number.js';

export const AGREEMENT_TITLE = '考试照片采集与使用协议';
const AGREEMENT_TEXT = `本次采集的照片仅用于国家开放大学考试期间考场身份核验（人脸识别比对）及学籍档案，不用于其他用途。

照片及其人脸特征数据保存在学校服务器上，仅授权的学校工作人员可以查看；考试系统只接收审核通过的照片。

您可以随时在「我的照片」中查看提交记录与审核结果；如照片未通过审核，将显示退回原因，您可以重新拍摄提交。

学籍注销或毕业后，照片按学校档案管理规定保存和销毁。点击「同意」即表示您已阅读并同意以上内容。`;

const HOUR_MS = 3_600_000;

/**
 * Wrong ID numbers slow a student number down; they never lock the right one out. Anyone can
 * send wrong ID numbers for someone else's student number from many addresses, so a hard limit
 * per student number (the old 20 an hour, then 429 for everyone) was a lock-out button. Instead:
 *
 * - per (student, client address), strictly: `verifyFailuresPerAddressPerHour` wrong numbers
 *   (default 10) in the last hour, then that address is refused for that student until the oldest
 *   of them is an hour old. One attacker address gains little; the student's own phone is
 *   unaffected by other addresses.
 * - per student, across all addresses: after `verifyFreeFailures` wrong numbers (default 5) in the
 *   last hour each further attempt waits 2 s, 4 s, 8 s… after the previous failure, capped at
 *   `verifyBackoffCapSeconds` (default 60). The wait holds for the right number too (otherwise
 *   the answer would tell a guess apart), so the student waits at most the cap and is then in.
 *
 * Distributed guessing is bounded by the cap: at most one guess per cap per student number, about
 * 60 an hour at the default whatever the number of addresses (each of which also needs its own
 * per-minute budget). The masked ID number shows the first 4 and last 4 characters; the unknown
 * middle is the district (≈ 10–20 codes in a city) and the birth date (≈ 15,000 for ages 18–60),
 * about 15,000–30,000 valid numbers after the check digit: days of guessing per student.
 */
export function verifyBackoffMs(failures: number, free: number, capSeconds: number): number {
  if (failures < free) return 0;
  return Math.min(capSeconds, 2 ** (failures - free + 1)) * 1000;
}

export function createStudentService(deps: {
  students: StudentRepository;
  units: OrgRepository;
  campaigns: CampaignRepository;
  sessions: SessionRepository;
  campaign: CampaignService;
  cipher: IdCipher;
  agreementVersion: string;
  sessionMinutes: number;
  rateLimits: RateLimitRepository;
  /** Read on every call, so a changed value applies at once. */
  limits: Pick<Config, 'verifyFailuresPerAddressPerHour' | 'verifyFreeFailures' | 'verifyBackoffCapSeconds'>;
}) {
  const { students, units, sessions, campaign, cipher, rateLimits, limits } = deps;

  async function byNumber(studentNumber: string): Promise<Student> {
    const s = await students.byNumber(studentNumber.trim());
    if (!s) throw KaozhaoError.of('student.not_found');
    return s;
  }

  async function unitName(s: Student): Promise<string> {
    return (await units.byId(s.centreId))?.name ?? '';
  }

  async function self(s: Student): Promise<StudentSelf> {
    return {
      studentNumber: s.studentNumber,
      maskedName: maskName(s.name),
      maskedIdNumber: s.idNumberMasked,
      unitName: await unitName(s),
      state: await campaign.stateOf(s, await deps.campaigns.current()),
      consentVersion: s.consentVersion,
      currentAgreementVersion: deps.agreementVersion,
    };
  }

  return {
    async identify(studentNumber: string): Promise<IdentifyResponse> {
      const s = await byNumber(studentNumber);
      return {
        studentNumber: s.studentNumber,
        maskedName: maskName(s.name),
        maskedIdNumber: s.idNumberMasked,
        unitName: await unitName(s),
      };
    },

    /**
     * Proves identity with the full ID number from `address` (the client's real address); returns
     * the session token and the student's view. Limits: see verifyBackoffMs.
     */
    async verify(
      studentNumber: string,
      idNumber: string,
      address: string,
    ): Promise<{ token: string; me: StudentSelf }> {
      // A malformed number is no guess at the real one (that has a valid check digit): not counted.
      if (!isValidIdNumber(idNumber)) throw KaozhaoError.of('student.id_invalid');
      const s = await byNumber(studentNumber);
      const keys = [`vf:${s.id}`, `vfa:${s.id}@${address}`];
      const now = Date.now();
      const at = new Date(now);
      const waitMs = await rateLimits.claim(keys[0]!, keys, new Date(now - HOUR_MS), at, (logs: AttemptLog[]) => {
        const [all, here] = logs as [AttemptLog, AttemptLog];
        if (here.count >= limits.verifyFailuresPerAddressPerHour) return here.first! + HOUR_MS - now;
        const wait = verifyBackoffMs(all.count, limits.verifyFreeFailures, limits.verifyBackoffCapSeconds);
        return all.last === null ? 0 : Math.max(0, all.last + wait - now);
      });
      if (waitMs > 0) throw KaozhaoError.wait('student.verify_wait', waitMs / 1000);
      // The claimed attempt stays logged as a failure unless the number matches.
      if (!cipher.equalHmac(cipher.hmac(normaliseIdNumber(idNumber)), s.idNumberHmac)) {
        throw KaozhaoError.of('student.id_mismatch');
      }
      await rateLimits.forget(keys, at);
      const token = await sessions.create('student', s.id, deps.sessionMinutes);
      return { token, me: await self(s) };
    },

    async me(studentId: number): Promise<StudentSelf> {
      const s = await students.byId(studentId);
      if (!s) throw KaozhaoError.of('session.expired');
      return self(s);
    },

    async consent(studentId: number, version: string, ip: string | null): Promise<StudentSelf> {
      if (version !== deps.agreementVersion) throw KaozhaoError.of('consent.version_mismatch');
      await students.recordConsent(studentId, version, ip);
      return this.me(studentId);
    },

    agreement(): AgreementResponse {
      return { version: deps.agreementVersion, title: AGREEMENT_TITLE, text: AGREEMENT_TEXT };
    },
  };
}
export type StudentService = ReturnType<typeof createStudentService>;
