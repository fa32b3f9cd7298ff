import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type {
  AdminLoginRequest,
  PasswordChangeRequest,
  ReviewDecisionRequest,
  StudentEraseRequest,
  StudentMoveRequest,
} from '../../domain/admin-api.js';
import { KaozhaoError } from '../../domain/errors.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_POLICY_HINT } from '../../domain/password-policy.js';
import type { Permission } from '../../domain/roles.js';
import type { AppContext } from '../context.js';
import { stackFrames } from '../log.js';
import { chinaDay } from '../repositories/counts.repository.js';
import type { AdminPrincipal } from '../services/admin-auth.service.js';
import { ADMIN_COOKIE, cookieOptions, requireAdmin } from './auth.hooks.js';
import {
  afterQuery,
  errors,
  idSchema,
  offsetQuery,
  photoFileParams,
  sendPhotoFile,
  studentNumber,
  uuidParam,
} from './schemas.js';
import { readUpload } from './upload.js';

const unitQuery = {
  type: 'object',
  properties: {
    unitId: idSchema,
    campaignId: uuidParam,
  },
} as const;

const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export function adminRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { auth, progress, review, exports, roster, campaign } = ctx.services;
    const authenticate = requireAdmin(ctx);
    const tags = ['admin'];
    const security = [{ admin: [] }];

    /** The principal, checked for the permission, and the unit asked for, checked for scope. */
    async function scoped(req: FastifyRequest, perm: Permission, unitId?: number) {
      const p = req.admin as AdminPrincipal;
      auth.can(p, perm);
      const unit = await auth.unitInScope(p, unitId);
      return { p, unit };
    }
    async function campaignId(id?: string): Promise<string> {
      if (id) {
        const c = await ctx.repos.campaigns.byId(id);
        if (!c) throw KaozhaoError.of('campaign.none');
        return c.id;
      }
      return (await campaign.current()).id;
    }

    app.post<{ Body: AdminLoginRequest }>(
      '/login',
      {
        config: { rateLimit: { max: 20, timeWindow: 60_000 } },
        schema: {
          tags,
          body: {
            type: 'object',
            required: ['username', 'password'],
            additionalProperties: false,
            properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 256 } },
          },
          response: errors(400, 401, 423, 429),
        },
      },
      async (req, reply) => {
        const { token, me } = await auth.login(req.body.username, req.body.password);
        void reply.setCookie(ADMIN_COOKIE, token, cookieOptions(ctx, ctx.config.adminSessionMinutes));
        return me;
      },
    );

    app.register(async (priv) => {
      priv.addHook('onRequest', authenticate);

      const beforePasswordChange = { beforePasswordChange: true };

      priv.post('/logout', { config: beforePasswordChange, schema: { tags, security } }, async (req, reply) => {
        const token = req.cookies[ADMIN_COOKIE];
        if (token) await ctx.repos.sessions.remove(token);
        void reply.clearCookie(ADMIN_COOKIE, { path: '/' });
        return { ok: true };
      });

      priv.get(
        '/me',
        { config: beforePasswordChange, schema: { tags, security, response: errors(401) } },
        async (req) => auth.self(req.admin!),
      );

      priv.post<{ Body: PasswordChangeRequest }>(
        '/password',
        {
          config: beforePasswordChange,
          schema: {
            tags,
            security,
            description: `One's own password, with the current one (a wrong one counts as a failed sign-in). ${PASSWORD_POLICY_HINT}. The account's other sessions end.`,
            body: {
              type: 'object',
              required: ['currentPassword', 'newPassword'],
              additionalProperties: false,
              properties: {
                currentPassword: { type: 'string', maxLength: 256 },
                newPassword: { type: 'string', maxLength: PASSWORD_MAX_LENGTH },
              },
            },
            response: errors(400, 401, 403, 423),
          },
        },
        async (req) => {
          const { currentPassword, newPassword } = req.body;
          return ctx.services.accounts.changeOwnPassword(
            req.admin!,
            currentPassword,
            newPassword,
            req.cookies[ADMIN_COOKIE]!,
          );
        },
      );

      priv.get<{ Querystring: { unitId?: number; campaignId?: string } }>(
        '/progress',
        { schema: { tags, security, querystring: unitQuery, response: errors(401, 403, 404) } },
        async (req) => {
          const { unit } = await scoped(req, 'progress', req.query.unitId);
          return progress.tree(await campaignId(req.query.campaignId), unit);
        },
      );

      priv.get<{ Querystring: { unitId?: number; campaignId?: string; from?: string; to?: string } }>(
        '/progress/daily',
        {
          schema: {
            tags,
            security,
            querystring: { ...unitQuery, properties: { ...unitQuery.properties, from: isoDate, to: isoDate } },
            response: errors(401, 403, 404),
          },
        },
        async (req) => {
          const { unit } = await scoped(req, 'progress', req.query.unitId);
          return progress.daily(await campaignId(req.query.campaignId), unit, req.query.from, req.query.to);
        },
      );

      priv.get<{ Querystring: { unitId?: number; campaignId?: string; date?: string; format?: 'json' | 'xlsx' } }>(
        '/reports/daily',
        {
          schema: {
            tags,
            security,
            querystring: {
              ...unitQuery,
              properties: {
                ...unitQuery.properties,
                date: isoDate,
                format: { type: 'string', enum: ['json', 'xlsx'] },
              },
            },
            response: errors(401, 403, 404),
          },
        },
        async (req, reply) => {
          const { unit } = await scoped(req, 'progress', req.query.unitId);
          const date = req.query.date ?? chinaDay();
          const report = await progress.dailyReport(await campaignId(req.query.campaignId), unit, date);
          if (req.query.format !== 'xlsx') return report;
          const file = await exports.dailyReportXlsx(report);
          return reply
            .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header('content-disposition', `attachment; filename="daily-${unit.code}-${date}.xlsx"`)
            .send(file);
        },
      );

      priv.get<{
        Params: { unitId: number };
        Querystring: { campaignId?: string; format?: 'json' | 'xlsx'; after?: number; limit?: number };
      }>(
        '/units/:unitId/uncollected',
        {
          schema: {
            tags,
            security,
            params: { type: 'object', properties: { unitId: idSchema }, required: ['unitId'] },
            querystring: {
              type: 'object',
              properties: {
                campaignId: uuidParam,
                format: { type: 'string', enum: ['json', 'xlsx'] },
                after: afterQuery,
                limit: { type: 'integer', minimum: 1, maximum: 1000 },
              },
            },
            response: errors(401, 403, 404),
          },
        },
        async (req, reply) => {
          const { p, unit } = await scoped(req, 'progress', req.params.unitId);
          const cid = await campaignId(req.query.campaignId);
          if (req.query.format !== 'xlsx') {
            return exports.uncollectedPage(p, cid, unit, req.query.after ?? 0, req.query.limit ?? 100);
          }
          const out = new PassThrough();
          exports.uncollectedXlsx(p, cid, unit, out).catch((e: unknown) => {
            req.log.error({ err: { type: (e as Error).name, frames: stackFrames(e) } }, 'export failed');
            out.destroy(e as Error);
          });
          return reply
            .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .header('content-disposition', `attachment; filename="uncollected-${unit.code}.xlsx"`)
            .send(out);
        },
      );

      priv.get<{ Querystring: { unitId?: number; campaignId?: string; limit?: number; offset?: number } }>(
        '/reviews',
        {
          schema: {
            tags,
            security,
            querystring: {
              ...unitQuery,
              properties: {
                ...unitQuery.properties,
                limit: { type: 'integer', minimum: 1, maximum: 200 },
                offset: offsetQuery,
              },
            },
            response: errors(401, 403, 404),
          },
        },
        async (req) => {
          const { unit } = await scoped(req, 'review', req.query.unitId);
          const cid = await campaignId(req.query.campaignId);
          return { items: await review.queue(cid, unit, req.query.limit ?? 50, req.query.offset ?? 0) };
        },
      );

      priv.post<{ Params: { photoId: string }; Body: ReviewDecisionRequest }>(
        '/reviews/:photoId',
        {
          schema: {
            tags,
            security,
            params: { type: 'object', properties: { photoId: uuidParam }, required: ['photoId'] },
            body: {
              type: 'object',
              required: ['decision'],
              additionalProperties: false,
              properties: {
                decision: { type: 'string', enum: ['approve', 'reject'] },
                reason: { type: 'string', maxLength: 200 },
              },
            },
            response: errors(400, 401, 403, 404, 409),
          },
        },
        async (req) => {
          const { p } = await scoped(req, 'review');
          return review.decide(p, req.params.photoId, req.body.decision, req.body.reason);
        },
      );

      priv.get<{ Params: { id: string; name: string } }>(
        '/photos/:id/files/:name',
        {
          schema: {
            tags,
            security,
            params: photoFileParams,
          },
        },
        async (req, reply) => {
          const p = req.admin!;
          await review.assertPhotoVisible(p, req.params.id);
          const bytes = await ctx.services.photo.file(req.params.id, req.params.name);
          return sendPhotoFile(reply, req.params.name, bytes);
        },
      );

      priv.get<{ Querystring: { unitId?: number; campaignId?: string } }>(
        '/exports/photos',
        {
          schema: {
            tags,
            security,
            description: 'Zip of approved photos named <student number>.jpg, streamed.',
            querystring: unitQuery,
            response: errors(401, 403, 404),
          },
        },
        async (req, reply) => {
          const { p, unit } = await scoped(req, 'exportPhotos', req.query.unitId);
          const cid = await campaignId(req.query.campaignId);
          return reply
            .type('application/zip')
            .header('content-disposition', `attachment; filename="photos-${unit.code}.zip"`)
            .send(exports.photosZip(p, cid, unit));
        },
      );

      priv.post<{ Querystring: { acceptGoodRows?: boolean } }>(
        '/roster',
        {
          schema: {
            tags,
            security,
            consumes: ['multipart/form-data'],
            description:
              'Multipart field "file": CSV (UTF-8 or GBK) or XLSX roster, at most KAOZHAO_ROSTER_MAX_ROWS ' +
              '(default 50,000) rows; larger files are refused whole (400 roster.too_many_rows). Rows naming ' +
              "a student outside the importer's scope are refused. The first 1,000 row errors are listed, " +
              'errorCount counts them all.',
            querystring: { type: 'object', properties: { acceptGoodRows: { type: 'boolean' } } },
            response: errors(400, 401, 403, 409, 413, 415),
          },
        },
        async (req, reply) => {
          const { p } = await scoped(req, 'roster');
          const file = await readUpload(req, 'file');
          const result = await roster.import(p, file.bytes, file.filename, req.query.acceptGoodRows === true);
          if (!result.imported) {
            const e = KaozhaoError.of('roster.invalid');
            return reply.status(422).send({ ...e.toJSON(), ...result });
          }
          return result;
        },
      );

      priv.post<{ Params: { studentNumber: string }; Body: StudentMoveRequest }>(
        '/students/:studentNumber/move',
        {
          schema: {
            tags,
            security,
            description:
              "Moves a student to another learning centre; the admin's scope must hold both centres. " +
              'Audited in the scope of each. A student outside the scope answers 404 like an unknown one.',
            params: { type: 'object', required: ['studentNumber'], properties: { studentNumber } },
            body: {
              type: 'object',
              required: ['centreCode'],
              additionalProperties: false,
              properties: { centreCode: { type: 'string', minLength: 1, maxLength: 32 } },
            },
            response: {
              200: {
                type: 'object',
                properties: {
                  studentNumber: { type: 'string' },
                  moved: { type: 'boolean' },
                  from: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
                  to: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
                },
              },
              ...errors(400, 401, 403, 404),
            },
          },
        },
        async (req) => {
          const { p } = await scoped(req, 'roster');
          return roster.move(p, req.params.studentNumber, req.body.centreCode);
        },
      );

      priv.post<{ Params: { studentNumber: string }; Body: StudentEraseRequest }>(
        '/students/:studentNumber/erase',
        {
          schema: {
            tags,
            security,
            description:
              'HQ only. Erases one student (PIPL): photos and their files, face-index entries, sessions, ' +
              'consents and the student row; counters corrected; audited under a keyed pseudonym. ' +
              '`confirm` repeats the student number. Irreversible.',
            params: { type: 'object', required: ['studentNumber'], properties: { studentNumber } },
            body: {
              type: 'object',
              required: ['confirm'],
              additionalProperties: false,
              properties: { confirm: { type: 'string', maxLength: 64 } },
            },
            response: {
              200: {
                type: 'object',
                properties: {
                  erased: { type: 'boolean' },
                  photos: { type: 'integer' },
                  submissions: { type: 'integer' },
                  consents: { type: 'integer' },
                  sessions: { type: 'integer' },
                },
              },
              ...errors(400, 401, 403, 404),
            },
          },
        },
        async (req) => ctx.services.erasure.erase(req.admin!, req.params.studentNumber, req.body.confirm),
      );
    });
  };
}
