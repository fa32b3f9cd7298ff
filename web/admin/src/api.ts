// The admin API client. Shapes come from src/domain/admin-api.ts; errors carry the server's zh-CN text.
import type {
  AdminAccount,
  AdminAccountsResponse,
  AdminCampaign,
  AdminCampaignInput,
  AdminCreateRequest,
  AdminLoginRequest,
  AdminSelf,
  AdminUpdateRequest,
  AuditLogResponse,
  CampaignsResponse,
  DailyReportResponse,
  DailySeriesResponse,
  ExamVerifyResponse,
  PasswordChangeRequest,
  ProgressResponse,
  ReviewDecisionRequest,
  ReviewDecisionResponse,
  ReviewQueueResponse,
  RosterImportResponse,
  UncollectedResponse,
  UnitCreateRequest,
  UnitNode,
  UnitsResponse,
} from '../../../src/domain/admin-api.js';
import type { ApiError, CampaignResponse } from '../../../src/domain/api.js';
import type { EntryLinkResponse } from '../../../src/domain/entry.js';
import type {
  ExamCheck,
  ExamChecksResponse,
  ExamOverrideRequest,
  ExamSession,
  ExamSessionCreateRequest,
  ExamSessionsResponse,
} from '../../../src/domain/exam.js';
import type {
  ReminderChannel,
  ReminderDeliveriesResponse,
  ReminderPreview,
  ReminderRequest,
  ReminderSendResponse,
  ReminderStatus,
  ReminderStudentState,
  ReminderStudentStatesResponse,
} from '../../../src/domain/reminders.js';

const BASE = '/api/admin';

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  /** The whole error body: some errors (roster.invalid) carry a result next to the message. */
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Partial<ApiError> & Record<string, unknown>) {
    super(
      body.message || (status === 0 ? '网络连接失败，请检查网络后重试' : `服务暂时不可用（${status}），请稍后再试`),
    );
    this.name = 'ApiFailure';
    this.status = status;
    this.code = body.code ?? 'http.error';
    this.body = body;
  }
}

/** A 404 for the route itself (not for a record): the server does not offer this endpoint yet. */
export function isMissingEndpoint(e: unknown): boolean {
  return e instanceof ApiFailure && e.status === 404 && e.code === 'request.not_found';
}

type Query = Record<string, string | number | boolean | undefined>;

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let body: Partial<ApiError> & Record<string, unknown> = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // A proxy error page or empty body: fall back to the generic message.
  }
  return new ApiFailure(res.status, body);
}

/** Called on any 401 so the app can return to the login page when the session expires. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

async function send<T>(method: string, url: string, body?: BodyInit, headers?: HeadersInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { method, credentials: 'same-origin', headers, body });
  } catch {
    throw new ApiFailure(0, {});
  }
  if (!res.ok) {
    const failure = await failureOf(res);
    if (res.status === 401 && !url.endsWith('/login')) onUnauthorized();
    throw failure;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function getJson<T>(path: string, query?: Query): Promise<T> {
  return send<T>('GET', withQuery(path, query), undefined, { accept: 'application/json' });
}

export function sendJson<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown, query?: Query): Promise<T> {
  return send<T>(method, withQuery(path, query), JSON.stringify(body), { 'content-type': 'application/json' });
}

/**
 * Starts a browser download of a server-generated file. Exports can be large and are streamed, so
 * the browser fetches them itself (with the session cookie) instead of buffering them here.
 */
export function download(path: string, query?: Query): void {
  const a = document.createElement('a');
  a.href = withQuery(path, query);
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}

export const api = {
  login: (req: AdminLoginRequest) => sendJson<AdminSelf>('POST', '/login', req),
  logout: () => sendJson<{ ok: boolean }>('POST', '/logout', {}),
  me: () => getJson<AdminSelf>('/me'),
  /** One's own password; the account's other sessions end. */
  changePassword: (req: PasswordChangeRequest) => sendJson<AdminSelf>('POST', '/password', req),
  units: () => getJson<UnitsResponse>('/units'),
  progress: (unitId?: number) => getJson<ProgressResponse>('/progress', { unitId }),
  daily: (unitId: number | undefined, from?: string, to?: string) =>
    getJson<DailySeriesResponse>('/progress/daily', { unitId, from, to }),
  dailyReport: (date: string, unitId?: number) => getJson<DailyReportResponse>('/reports/daily', { date, unitId }),
  dailyReportXlsx: (date: string, unitId?: number) => download('/reports/daily', { date, unitId, format: 'xlsx' }),
  uncollected: (unitId: number, after: number, limit: number) =>
    getJson<UncollectedResponse>(`/units/${unitId}/uncollected`, { after, limit }),
  uncollectedXlsx: (unitId: number) => download(`/units/${unitId}/uncollected`, { format: 'xlsx' }),
  reviews: (unitId: number | undefined, limit: number, offset: number) =>
    getJson<ReviewQueueResponse>('/reviews', { unitId, limit, offset }),
  decide: (photoId: string, req: ReviewDecisionRequest) =>
    sendJson<ReviewDecisionResponse>('POST', `/reviews/${photoId}`, req),
  photosZip: (unitId?: number) => download('/exports/photos', { unitId }),
  /** The current campaign as students see it (public student API). */
  currentCampaign: () => send<CampaignResponse>('GET', '/api/campaign', undefined, { accept: 'application/json' }),
  campaigns: () => getJson<CampaignsResponse>('/campaigns'),
  /** A learning centre's entry link for a campaign (default: the current one), for its poster. */
  entryLink: (unitId: number, campaignId?: string) =>
    getJson<EntryLinkResponse>(`/units/${unitId}/entry-link`, { campaignId }),
  /** The address of its QR code image (an <img> or a download link sends the session cookie). */
  entryQrUrl: (unitId: number, format: 'png' | 'svg', campaignId?: string) =>
    withQuery(`/units/${unitId}/entry-qr.${format}`, { campaignId }),
  createCampaign: (input: AdminCampaignInput) => sendJson<AdminCampaign>('POST', '/campaigns', input),
  updateCampaign: (id: string, input: AdminCampaignInput) => sendJson<AdminCampaign>('PUT', `/campaigns/${id}`, input),
  createUnit: (req: UnitCreateRequest) => sendJson<UnitNode>('POST', '/units', req),
  renameUnit: (id: number, name: string) => sendJson<UnitNode>('PATCH', `/units/${id}`, { name }),
  admins: (unitId: number | undefined, limit: number, offset: number) =>
    getJson<AdminAccountsResponse>('/admins', { unitId, limit, offset }),
  createAdmin: (req: AdminCreateRequest) => sendJson<AdminAccount>('POST', '/admins', req),
  updateAdmin: (id: number, req: AdminUpdateRequest) => sendJson<AdminAccount>('PATCH', `/admins/${id}`, req),
  unlockAdmin: (id: number) => sendJson<AdminAccount>('POST', `/admins/${id}/unlock`, {}),
  audit: (q: { unitId?: number; action?: string; limit: number; offset: number }) =>
    getJson<AuditLogResponse>('/audit', q),
  // The 考场核验 station.
  examSessions: (unitId?: number) => getJson<ExamSessionsResponse>('/exam/sessions', { unitId }),
  createExamSession: (req: ExamSessionCreateRequest) => sendJson<ExamSession>('POST', '/exam/sessions', req),
  examChecks: (sessionId: number) => getJson<ExamChecksResponse>(`/exam/sessions/${sessionId}/checks`),
  examExportXlsx: (sessionId: number) => download(`/exam/sessions/${sessionId}/export.xlsx`),
  /** One check: the live frame (never stored by the server) compared with the collected photo. */
  verifyFace: (studentNumber: string, frame: Blob, sessionId: number) => {
    const form = new FormData();
    form.append('sessionId', String(sessionId));
    form.append('photo', frame, 'live.jpg');
    return send<ExamVerifyResponse>(
      'POST',
      withQuery(`/students/${encodeURIComponent(studentNumber)}/verify-face`),
      form,
    );
  },
  overrideExamCheck: (checkId: number, req: ExamOverrideRequest) =>
    sendJson<ExamCheck>('POST', `/exam/checks/${checkId}/override`, req),
  // Reminders to the uncollected students (催交提醒).
  reminderPreview: (unitId: number, req: ReminderRequest) =>
    sendJson<ReminderPreview>('POST', `/units/${unitId}/reminders/preview`, req),
  /** status done (queued in the request) or running (a job: follow it with reminderSend). */
  sendReminders: (unitId: number, req: ReminderRequest) =>
    sendJson<ReminderSendResponse>('POST', `/units/${unitId}/reminders/send`, req),
  reminderSend: (batchId: string) => getJson<ReminderSendResponse>(`/reminders/sends/${encodeURIComponent(batchId)}`),
  reminders: (
    unitId: number,
    q: { status?: ReminderStatus; channel?: ReminderChannel; studentNumber?: string; after: number; limit: number },
  ) => getJson<ReminderDeliveriesResponse>(`/units/${unitId}/reminders`, q),
  reminderStates: (unitId: number, studentNumbers: string[]) =>
    getJson<ReminderStudentStatesResponse>(`/units/${unitId}/reminders/students`, {
      numbers: studentNumbers.join(','),
    }),
  setReminderOptOut: (studentNumber: string, optOut: boolean) =>
    sendJson<ReminderStudentState>('PUT', `/students/${encodeURIComponent(studentNumber)}/reminder-opt-out`, {
      optOut,
    }),
  roster: (file: File, acceptGoodRows: boolean) => {
    const form = new FormData();
    form.append('file', file);
    return send<RosterImportResponse>('POST', withQuery('/roster', { acceptGoodRows }), form);
  },
};
