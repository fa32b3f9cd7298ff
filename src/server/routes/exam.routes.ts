// Exam entry: compare a live face with a student's collected photo. The frame arrives as a
// multipart upload like a student's photo and is described in the photo workers, never stored.
// The 考场核验 station groups the checks in exam sessions and lets the invigilator override one.
import type { FastifyPluginAsync } from 'fastify';
import { KaozhaoError } from '../../domain/errors.js';
import {
  EXAM_DECISIONS,
  EXAM_DETECT_LONG_SIDE,
  EXAM_DETECT_MAX_BYTES,
  EXAM_DETECT_PER_MINUTE,
  EXAM_OVERRIDE_REASON_MAX,
  EXAM_OVERRIDES,
  EXAM_ROOM_MAX,
  EXAM_SESSION_NAME_MAX,
  EXAM_UNABLE_REASONS,
  type ExamChecksResponse,
  type ExamDetectResponse,
  type ExamOverrideRequest,
  type ExamSessionCreateRequest,
  type ExamSessionsResponse,
} from '../../domain/exam.js';
import type { AppContext } from '../context.js';
import type { AdminPrincipal } from '../services/admin-auth.service.js';
import { EXAM_CHECKS_MAX } from '../services/exam.service.js';
import { requireAdmin } from './auth.hooks.js';
import { errors, INT4_MAX, idParams, idSchema, studentNumber } from './schemas.js';
import { readUpload } from './upload.js';

const tags = ['admin: exam entry'];
const security = [{ admin: [] }];
const nullable = (type: string) => ({ type: [type, 'null'] });

const countsSchema = {
  type: 'object',
  properties: Object.fromEntries(
    ['checked', 'students', 'passed', 'failed', 'unable', 'overridden'].map((k) => [k, { type: 'integer' }]),
  ),
} as const;

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    room: { type: 'string' },
    startsAt: { type: 'string' },
    centre: {
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' }, code: { type: 'string' } },
    },
    createdAt: { type: 'string' },
    counts: countsSchema,
  },
} as const;

const checkSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    sessionId: nullable('integer'),
    at: { type: 'string' },
    studentNumber: { type: 'string' },
    maskedName: { type: 'string' },
    decision: { type: 'string', enum: [...EXAM_DECISIONS] },
    reason: { type: ['string', 'null'], enum: [...EXAM_UNABLE_REASONS, null] },
    similarity: nullable('number'),
    threshold: nullable('number'),
    antiSpoof: nullable('number'),
    checkedBy: { type: 'string' },
    override: { type: ['string', 'null'], enum: [...EXAM_OVERRIDES, null] },
    overrideReason: nullable('string'),
    overrideBy: nullable('string'),
    overrideAt: nullable('string'),
  },
} as const;

/** The optional multipart field "sessionId": a positive integer, else the request is malformed. */
function sessionField(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= INT4_MAX)) throw KaozhaoError.of('request.invalid');
  return n;
}

export function examRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', requireAdmin(ctx));
    app.addHook('onClose', async () => ctx.services.exam.closeDetector());

    app.post(
      '/exam/detect-face',
      {
        schema: {
          tags,
          security,
          consumes: ['multipart/form-data'],
          description:
            `Multipart field "photo": a small live frame (JPEG, PNG or WebP, long side ≤ ${EXAM_DETECT_LONG_SIDE} px, ` +
            `≤ ${EXAM_DETECT_MAX_BYTES} bytes; larger: 413 exam.frame_too_large). Answers the faces the detector ` +
            'is sure of, largest first, as fractions of the frame: the face box and auto-capture of the ' +
            '考场核验 station. Nothing is stored or logged. ' +
            `At most ${EXAM_DETECT_PER_MINUTE} frames a minute per admin (429 rate_limited); 503 engine.busy ` +
            'when the detector is behind (try the next frame).',
          response: {
            200: {
              type: 'object',
              properties: {
                faces: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: Object.fromEntries(
                      ['x', 'y', 'width', 'height', 'score'].map((k) => [k, { type: 'number' }]),
                    ),
                  },
                },
              },
            },
            ...errors(400, 401, 403, 413, 415, 422, 429, 503),
          },
        },
        config: {
          rateLimit: {
            max: EXAM_DETECT_PER_MINUTE,
            timeWindow: 60_000,
            // After requireAdmin (onRequest), so the budget is the admin's, not the address's: a
            // school's stations share one address behind its NAT.
            hook: 'preHandler',
            keyGenerator: (req) => `exam-detect:${req.admin?.admin.id ?? req.ip}`,
          },
        },
      },
      async (req): Promise<ExamDetectResponse> => {
        const { bytes } = await readUpload(req, 'photo');
        return ctx.services.exam.detectFaces(req.admin as AdminPrincipal, bytes);
      },
    );
    app.post<{ Params: { studentNumber: string } }>(
      '/students/:studentNumber/verify-face',
      {
        schema: {
          tags: ['admin: exam entry'],
          security: [{ admin: [] }],
          consumes: ['multipart/form-data'],
          description:
            'Multipart field "photo": the live face (JPEG, PNG or WebP); optional field "sessionId" ' +
            "(an exam session of the student's centre). Compared 1:1 with the student's most recent " +
            'approved photo; every check is stored and audit-logged, the frame is not. With a session, ' +
            'a frame that cannot be compared answers 200 with decision "unable" and the reason; ' +
            'without, that reason is the error (exam.no_face, exam.face_covered: 422; exam.no_photo: 404).',
          params: {
            type: 'object',
            required: ['studentNumber'],
            properties: { studentNumber },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                checkId: { type: 'integer' },
                sessionId: nullable('integer'),
                studentNumber: { type: 'string' },
                maskedName: { type: 'string' },
                decision: { type: 'string', enum: [...EXAM_DECISIONS] },
                reason: { type: ['string', 'null'], enum: [...EXAM_UNABLE_REASONS, null] },
                similarity: nullable('number'),
                threshold: { type: 'number' },
                match: { type: 'boolean' },
                photoId: nullable('string'),
                photoUrl: nullable('string'),
                liveFaceScore: nullable('number'),
                antiSpoof: nullable('number'),
              },
            },
            ...errors(400, 401, 403, 404, 413, 415, 422, 503),
          },
        },
      },
      async (req) => {
        const { bytes, fields } = await readUpload(req, 'photo');
        const sessionId = sessionField(fields.sessionId);
        return ctx.services.exam.verifyFace(req.admin as AdminPrincipal, req.params.studentNumber, bytes, sessionId);
      },
    );

    app.get<{ Querystring: { unitId?: number; limit?: number } }>(
      '/exam/sessions',
      {
        schema: {
          tags,
          security,
          description: 'Exam sessions of the scope (or of one unit in it), latest start first, with their counts.',
          querystring: {
            type: 'object',
            properties: { unitId: idSchema, limit: { type: 'integer', minimum: 1, maximum: 500 } },
          },
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: sessionSchema } } },
            ...errors(401, 403, 404),
          },
        },
      },
      async (req): Promise<ExamSessionsResponse> => ({
        items: await ctx.services.exam.listSessions(req.admin!, req.query.unitId, req.query.limit ?? 100),
      }),
    );

    app.post<{ Body: ExamSessionCreateRequest }>(
      '/exam/sessions',
      {
        schema: {
          tags,
          security,
          description: "A sitting at a learning centre (default: the caller's own centre). Audit-logged.",
          body: {
            type: 'object',
            required: ['name', 'room', 'startsAt'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', maxLength: EXAM_SESSION_NAME_MAX * 2 },
              room: { type: 'string', maxLength: EXAM_ROOM_MAX * 2 },
              startsAt: { type: 'string', format: 'date-time' },
              centreId: idSchema,
            },
          },
          response: { 200: sessionSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => ctx.services.exam.createSession(req.admin!, req.body),
    );

    app.get<{ Params: { id: number } }>(
      '/exam/sessions/:id',
      {
        schema: { tags, security, params: idParams, response: { 200: sessionSchema, ...errors(401, 403, 404) } },
      },
      async (req) => ctx.services.exam.session(req.admin!, req.params.id),
    );

    app.get<{ Params: { id: number } }>(
      '/exam/sessions/:id/checks',
      {
        schema: {
          tags,
          security,
          description: "The session's checks, newest first (names masked).",
          params: idParams,
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: checkSchema } } },
            ...errors(401, 403, 404),
          },
        },
      },
      async (req): Promise<ExamChecksResponse> => ({
        items: await ctx.services.exam.sessionChecks(req.admin!, req.params.id, EXAM_CHECKS_MAX),
      }),
    );

    app.get<{ Params: { id: number } }>(
      '/exam/sessions/:id/export.xlsx',
      {
        schema: {
          tags,
          security,
          description: "The session's checks as XLSX (names masked); audit-logged.",
          params: idParams,
          response: errors(401, 403, 404),
        },
      },
      async (req, reply) => {
        const { file, filename } = await ctx.services.exam.exportXlsx(req.admin!, req.params.id);
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${filename}"`)
          .send(file);
      },
    );

    app.post<{ Params: { id: number }; Body: ExamOverrideRequest }>(
      '/exam/checks/:id/override',
      {
        schema: {
          tags,
          security,
          description: '人工核对: the invigilator passes or fails the student with a reason; audit-logged.',
          params: idParams,
          body: {
            type: 'object',
            required: ['decision', 'reason'],
            additionalProperties: false,
            properties: {
              decision: { type: 'string', enum: [...EXAM_OVERRIDES] },
              reason: { type: 'string', maxLength: EXAM_OVERRIDE_REASON_MAX * 2 },
            },
          },
          response: { 200: checkSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => ctx.services.exam.override(req.admin!, req.params.id, req.body),
    );
  };
}
