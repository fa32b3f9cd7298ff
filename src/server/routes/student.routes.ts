import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type {
  ConsentRequest,
  IdentifyRequest,
  PhotoHistoryResponse,
  SubmitRequest,
  VerifyRequest,
} from '../../domain/api.js';
import { ENTRY_UPLOAD_FIELDS } from '../../domain/entry.js';
import { KaozhaoError } from '../../domain/errors.js';
import type { ReminderOptOutLinkRequest, StudentReminderSetting } from '../../domain/reminders.js';
import type { AppContext } from '../context.js';
import { cookieOptions, requireStudent, STUDENT_COOKIE } from './auth.hooks.js';
import {
  background,
  errors,
  photoAttemptSchema,
  photoFileParams,
  sendPhotoFile,
  studentNumber,
  studentSelfSchema,
  uuidParam,
} from './schemas.js';
import { readUpload } from './upload.js';

const BASE = '/api/student/photos';

export function studentRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { student, photo, campaign } = ctx.services;
    const auth = requireStudent(ctx);
    // The unauthenticated endpoints are limited per client address (req.ip: the socket's, or
    // X-Forwarded-For from a configured proxy only). Verify also slows each student number down
    // after wrong ID numbers (student.service.ts); nothing counts per student number alone, or
    // anyone could lock a student out. Counts live in the database, so they hold across every API
    // process behind a load balancer.
    const perClient = async (req: FastifyRequest) => {
      const n = await ctx.repos.rateLimits.hit(`ip:${req.ip}`, 60_000);
      if (n > ctx.config.identifyPerIpPerMinute) throw KaozhaoError.of('rate_limited');
    };

    app.get('/campaign', { schema: { tags: ['student'], response: errors(404) } }, async () =>
      campaign.info(await campaign.current()),
    );

    app.get('/agreement', { schema: { tags: ['student'] } }, async () => student.agreement());

    app.post<{ Body: IdentifyRequest }>(
      '/student/identify',
      {
        onRequest: perClient,
        schema: {
          tags: ['student'],
          body: {
            type: 'object',
            required: ['studentNumber'],
            additionalProperties: false,
            properties: { studentNumber },
          },
          response: errors(400, 404, 429),
        },
      },
      async (req) => student.identify(req.body.studentNumber),
    );

    app.post<{ Body: VerifyRequest }>(
      '/student/verify',
      {
        onRequest: perClient,
        schema: {
          tags: ['student'],
          body: {
            type: 'object',
            required: ['studentNumber', 'idNumber'],
            additionalProperties: false,
            properties: { studentNumber, idNumber: { type: 'string', maxLength: 32 } },
          },
          response: { 200: studentSelfSchema, ...errors(400, 401, 404, 429) },
        },
      },
      async (req, reply) => {
        const { token, me } = await student.verify(req.body.studentNumber, req.body.idNumber, req.ip);
        void reply.setCookie(STUDENT_COOKIE, token, cookieOptions(ctx, ctx.config.studentSessionMinutes));
        return me;
      },
    );

    app.get(
      '/student/me',
      { onRequest: auth, schema: { tags: ['student'], response: { 200: studentSelfSchema, ...errors(401) } } },
      async (req) => student.me(req.studentId!),
    );

    app.post('/student/logout', { schema: { tags: ['student'] } }, async (req, reply) => {
      const token = req.cookies[STUDENT_COOKIE];
      if (token) await ctx.repos.sessions.remove(token);
      void reply.clearCookie(STUDENT_COOKIE, { path: '/' });
      return { ok: true };
    });

    app.post<{ Body: ConsentRequest }>(
      '/student/consent',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          body: {
            type: 'object',
            required: ['version'],
            additionalProperties: false,
            properties: { version: { type: 'string', maxLength: 32 } },
          },
          response: { 200: studentSelfSchema, ...errors(401, 409) },
        },
      },
      async (req) => student.consent(req.studentId!, req.body.version, req.ip),
    );

    app.post(
      '/student/photos',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          consumes: ['multipart/form-data'],
          description:
            'Multipart field "photo" (one file: JPEG, PNG or WebP); optional field "source" = upload | camera. ' +
            'Optional entryCentre / entryCampaign: the entry link (c, k) the app was opened by, recorded with the attempt. ' +
            'One photo in processing per student (409 photo.processing) and a rate per student ' +
            '(429 photo.upload_rate, with Retry-After).',
          response: { 202: photoAttemptSchema, ...errors(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      async (req, reply) => {
        const { bytes, fields } = await readUpload(req, 'photo');
        const p = await photo.upload(req.studentId!, bytes, fields.source === 'camera' ? 'camera' : 'upload');
        const sent = { centre: fields[ENTRY_UPLOAD_FIELDS.centre], campaign: fields[ENTRY_UPLOAD_FIELDS.campaign] };
        if (sent.centre) {
          // The photo is taken whatever happens to its attribution.
          await ctx.services.entryLinks.recordAttempt(p, sent).catch((e: unknown) => {
            req.log.error({ err: { type: (e as Error)?.name } }, 'entry attribution not recorded');
          });
        }
        return reply.status(202).send(photo.toAttempt(p, BASE));
      },
    );

    // Reminders: the student's own opt-out. The link in each reminder opens the app's opt-out
    // page, whose button posts the token here (no sign-in; limited per client address like the
    // other unauthenticated endpoints, so tokens cannot be tried at speed); a signed-in student
    // switches it on 我的照片查询.
    const settingSchema = {
      type: 'object',
      properties: { optedOut: { type: 'boolean' }, already: { type: 'boolean' } },
    } as const;
    app.post<{ Body: ReminderOptOutLinkRequest }>(
      '/student/reminder-opt-out',
      {
        onRequest: perClient,
        schema: {
          tags: ['student'],
          description:
            "The opt-out link of a reminder: {token} from the link's query. No sign-in. Idempotent: a " +
            'second use answers already: true. Cancels the reminders still waiting; audit-logged.',
          body: {
            type: 'object',
            required: ['token'],
            additionalProperties: false,
            properties: { token: { type: 'string', minLength: 1, maxLength: 64 } },
          },
          response: { 200: settingSchema, ...errors(400, 404, 429) },
        },
      },
      async (req): Promise<StudentReminderSetting> => ctx.services.reminders.optOutByLink(req.body.token),
    );

    app.get(
      '/student/reminders',
      { onRequest: auth, schema: { tags: ['student'], response: { 200: settingSchema, ...errors(401) } } },
      async (req): Promise<StudentReminderSetting> => ctx.services.reminders.studentSetting(req.studentId!),
    );

    app.put<{ Body: { optOut: boolean } }>(
      '/student/reminders',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          description: 'The signed-in student opts out of reminders (optOut: true) or back in. Audit-logged.',
          body: {
            type: 'object',
            required: ['optOut'],
            additionalProperties: false,
            properties: { optOut: { type: 'boolean' } },
          },
          response: { 200: settingSchema, ...errors(400, 401) },
        },
      },
      async (req): Promise<StudentReminderSetting> =>
        ctx.services.reminders.setStudentOptOut(req.studentId!, req.body.optOut),
    );

    app.get(
      '/student/photos',
      { onRequest: auth, schema: { tags: ['student'], response: errors(401) } },
      async (req): Promise<PhotoHistoryResponse> => ({
        items: (await photo.list(req.studentId!)).map((p) => photo.toAttempt(p, BASE)),
      }),
    );

    app.get<{ Params: { id: string } }>(
      '/student/photos/:id',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
          response: { 200: photoAttemptSchema, ...errors(401, 404) },
        },
      },
      async (req) => photo.toAttempt(await photo.get(req.studentId!, req.params.id), BASE),
    );

    app.get<{ Params: { id: string } }>(
      '/student/photos/:id/events',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          description: 'Server-sent events: one "attempt" event per change until processing ends.',
          params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
        },
      },
      async (req, reply) => {
        const studentId = req.studentId!;
        let p = await photo.get(studentId, req.params.id);
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        let closed = false;
        req.raw.on('close', () => {
          closed = true;
        });
        const send = () => reply.raw.write(`event: attempt\ndata: ${JSON.stringify(photo.toAttempt(p, BASE))}\n\n`);
        send();
        let last = `${p.status}:${p.progress}`;
        const deadline = Date.now() + 5 * 60_000;
        // Polling the row keeps this correct whichever process or machine runs the job.
        while (!closed && p.status === 'processing' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 400));
          p = await photo.get(studentId, p.id);
          const now = `${p.status}:${p.progress}`;
          if (now !== last) {
            send();
            last = now;
          }
        }
        reply.raw.end();
      },
    );

    app.get<{ Params: { id: string; name: string } }>(
      '/student/photos/:id/files/:name',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          params: photoFileParams,
        },
      },
      async (req, reply) => {
        const bytes = await photo.studentFile(req.studentId!, req.params.id, req.params.name);
        return sendPhotoFile(reply, req.params.name, bytes);
      },
    );

    app.post<{ Params: { id: string }; Body: SubmitRequest }>(
      '/student/photos/:id/submit',
      {
        onRequest: auth,
        schema: {
          tags: ['student'],
          params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
          body: {
            type: 'object',
            required: ['background'],
            additionalProperties: false,
            properties: { background },
          },
          response: { 200: photoAttemptSchema, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => photo.toAttempt(await photo.submit(req.studentId!, req.params.id, req.body.background), BASE),
    );
  };
}
