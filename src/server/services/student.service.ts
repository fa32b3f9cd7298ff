import type { IdCipher } from '../../db/crypto.js';
import type { AgreementResponse, IdentifyResponse, StudentSelf } from '../../domain/api.js';
import { KaozhaoError } from '../../domain/errors.js';
import type { CampaignRepository } from '../repositories/campaign.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { SessionRepository } from '../repositories/session.repository.js';
import type { Student, StudentRepository } from '../repositories/student.repository.js';
import type { CampaignService } from './campaign.service.js';
import { isValidIdNumber, maskName, normaliseIdNumber } from './id-number.js';

export const AGREEMENT_TITLE = '考试照片采集与使用协议';
const AGREEMENT_TEXT = `本次采集的照片仅用于国家开放大学考试期间考场身份核验（人脸识别比对）及学籍档案，不用于其他用途。

照片及其人脸特征数据保存在学校服务器上，仅授权的学校工作人员可以查看；考试系统只接收审核通过的照片。

您可以随时在「我的照片」中查看提交记录与审核结果；如照片未通过审核，将显示退回原因，您可以重新拍摄提交。

学籍注销或毕业后，照片按学校档案管理规定保存和销毁。点击「同意」即表示您已阅读并同意以上内容。`;

export function createStudentService(deps: {
  students: StudentRepository;
  units: OrgRepository;
  campaigns: CampaignRepository;
  sessions: SessionRepository;
  campaign: CampaignService;
  cipher: IdCipher;
  agreementVersion: string;
  sessionMinutes: number;
}) {
  const { students, units, sessions, campaign, cipher } = deps;

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

    /** Proves identity with the full ID number; returns the session token and the student's view. */
    async verify(studentNumber: string, idNumber: string): Promise<{ token: string; me: StudentSelf }> {
      if (!isValidIdNumber(idNumber)) throw KaozhaoError.of('student.id_invalid');
      const s = await byNumber(studentNumber);
      if (!cipher.equalHmac(cipher.hmac(normaliseIdNumber(idNumber)), s.idNumberHmac)) {
        throw KaozhaoError.of('student.id_mismatch');
      }
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
