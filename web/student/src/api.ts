// The student API client. Shapes come from src/domain/api.ts; errors carry the server's zh-CN text.
import type {
  AgreementResponse,
  ApiError,
  CampaignResponse,
  ConsentRequest,
  IdentifyRequest,
  IdentifyResponse,
  MeResponse,
  PhotoAttempt,
  PhotoHistoryResponse,
  SubmitRequest,
  VerifyRequest,
} from '../../../src/domain/api.js';
import { ENTRY_QUERY, ENTRY_UPLOAD_FIELDS, type EntryInfo } from '../../../src/domain/entry.js';
import type { ReminderOptOutLinkRequest, StudentReminderSetting } from '../../../src/domain/reminders.js';

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, body: Partial<ApiError>) {
    super(
      body.message || (status === 0 ? '网络连接失败，请检查网络后重试' : `服务暂时不可用（${status}），请稍后再试`),
    );
    this.name = 'ApiFailure';
    this.status = status;
    this.code = body.code ?? 'http.error';
  }
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: Partial<ApiError> = {};
  try {
    body = (await res.json()) as ApiError;
  } catch {
    // A proxy error page or empty body: fall back to the generic message.
  }
  return new ApiFailure(res.status, body);
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, {});
  }
  if (!res.ok) throw await failureOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  campaign: () => call<CampaignResponse>('GET', '/api/campaign'),
  entry: (ref: { centre: string; campaign?: string }) => {
    const q = new URLSearchParams({ [ENTRY_QUERY.centre]: ref.centre });
    if (ref.campaign) q.set(ENTRY_QUERY.campaign, ref.campaign);
    return call<EntryInfo>('GET', `/api/entry?${q.toString()}`);
  },
  agreement: () => call<AgreementResponse>('GET', '/api/agreement'),
  identify: (req: IdentifyRequest) => call<IdentifyResponse>('POST', '/api/student/identify', req),
  verify: (req: VerifyRequest) => call<MeResponse>('POST', '/api/student/verify', req),
  me: () => call<MeResponse>('GET', '/api/student/me'),
  consent: (req: ConsentRequest) => call<unknown>('POST', '/api/student/consent', req),
  photo: (id: string) => call<PhotoAttempt>('GET', `/api/student/photos/${encodeURIComponent(id)}`),
  photos: () => call<PhotoHistoryResponse>('GET', '/api/student/photos'),
  submit: (id: string, req: SubmitRequest) =>
    call<PhotoAttempt>('POST', `/api/student/photos/${encodeURIComponent(id)}/submit`, req),
  // Reminders: the student's own opt-out (the link in a reminder, or the switch on 我的照片查询).
  optOutByLink: (req: ReminderOptOutLinkRequest) =>
    call<StudentReminderSetting>('POST', '/api/student/reminder-opt-out', req),
  reminderSetting: () => call<StudentReminderSetting>('GET', '/api/student/reminders'),
  setReminderOptOut: (optOut: boolean) => call<StudentReminderSetting>('PUT', '/api/student/reminders', { optOut }),
};

/**
 * POST /api/student/photos as multipart. XHR rather than fetch because fetch has no upload
 * progress, and on a slow 4G link the student needs to see that something is moving.
 */
export function uploadPhoto(
  file: Blob,
  filename: string,
  source: 'upload' | 'camera',
  onProgress: (fraction: number) => void,
  entry?: { centre: string; campaign?: string } | null,
): Promise<PhotoAttempt> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    // Before the file: the server reads fields in order while streaming the upload.
    form.append('source', source);
    // Which centre's link (poster, chat group) brought the student: recorded with the attempt.
    if (entry) {
      form.append(ENTRY_UPLOAD_FIELDS.centre, entry.centre);
      if (entry.campaign) form.append(ENTRY_UPLOAD_FIELDS.campaign, entry.campaign);
    }
    form.append('photo', file, filename);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/student/photos');
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiFailure(0, {}));
    xhr.onload = () => {
      let body: unknown = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Non-JSON body: handled as a generic failure below.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as PhotoAttempt);
      else reject(new ApiFailure(xhr.status, body as Partial<ApiError>));
    };
    xhr.send(form);
  });
}
