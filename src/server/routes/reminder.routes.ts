// Reminders to students who have not submitted (催交提醒): preview and send for a unit's uncollected
// list, the delivery record, each student's reminder state and opt-out. Thin: the service checks
// the role and the scope.
import type { FastifyPluginAsync } from 'fastify';
import {
  REMINDER_CHANNELS,
  REMINDER_INLINE_MAX,
  REMINDER_SEND_STATUSES,
  REMINDER_STATUSES,
  REMINDER_STUDENTS_MAX,
  type ReminderChannel,
  type ReminderDeliveriesResponse,
  type ReminderOptOutRequest,
  type ReminderRequest,
  type ReminderStatus,
  type ReminderStudentStatesResponse,
} from '../../domain/reminders.js';
import type { AppContext } from '../context.js';
import { requireAdmin } from './auth.hooks.js';
import { originOf } from './entry.routes.js';
import { afterQuery, errors, idSchema, studentNumber, uuidParam } from './schemas.js';

const tags = ['admin: reminders'];
const security = [{ admin: [] }];
const nullable = (type: string) => ({ type: [type, 'null'] });
const unitParams = { type: 'object', required: ['unitId'], properties: { unitId: idSchema } } as const;
const skipSchema = {
  type: 'object',
  properties: { optedOut: { type: 'integer' }, noContact: { type: 'integer' }, limited: { type: 'integer' } },
} as const;

const requestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    campaignId: uuidParam,
    studentNumbers: { type: 'array', minItems: 1, maxItems: REMINDER_STUDENTS_MAX, items: studentNumber },
  },
} as const;

const stateSchema = {
  type: 'object',
  properties: {
    studentNumber: { type: 'string' },
    optedOut: { type: 'boolean' },
    reachable: { type: 'boolean' },
    latest: {
      type: ['object', 'null'],
      properties: {
        status: { type: 'string', enum: [...REMINDER_STATUSES] },
        channel: { type: 'string', enum: [...REMINDER_CHANNELS] },
        at: { type: 'string' },
      },
    },
  },
} as const;

const sendSchema = {
  type: 'object',
  properties: {
    batchId: { type: 'string' },
    status: { type: 'string', enum: [...REMINDER_SEND_STATUSES] },
    channel: { type: 'string', enum: [...REMINDER_CHANNELS] },
    total: { type: 'integer' },
    count: { type: 'integer' },
    queued: { type: 'integer' },
    skipped: skipSchema,
    sendsAt: nullable('string'),
    error: nullable('string'),
    finishedAt: nullable('string'),
  },
} as const;

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    batchId: { type: 'string' },
    studentNumber: { type: 'string' },
    maskedName: { type: 'string' },
    centreName: { type: 'string' },
    channel: { type: 'string', enum: [...REMINDER_CHANNELS] },
    to: { type: 'string' },
    subject: { type: 'string' },
    text: { type: 'string' },
    status: { type: 'string', enum: [...REMINDER_STATUSES] },
    attempts: { type: 'integer' },
    lastError: nullable('string'),
    createdAt: { type: 'string' },
    nextAttemptAt: nullable('string'),
    sentAt: nullable('string'),
    sentBy: nullable('string'),
  },
} as const;

export function reminderRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { reminders } = ctx.services;
    app.addHook('onRequest', requireAdmin(ctx));

    app.post<{ Params: { unitId: number }; Body: ReminderRequest }>(
      '/units/:unitId/reminders/preview',
      {
        schema: {
          tags,
          security,
          description:
            "What a send would do for the unit's uncollected students (or the named ones among them): how " +
            'many it reaches, how many are skipped and why (opted out, no contact for the channel, reminded ' +
            'within the interval), and one message with the name and address masked. Sends nothing.',
          params: unitParams,
          body: requestBody,
          response: {
            200: {
              type: 'object',
              properties: {
                channel: { type: 'string', enum: [...REMINDER_CHANNELS] },
                campaign: {
                  type: 'object',
                  properties: { id: { type: 'string' }, name: { type: 'string' }, endsAt: { type: 'string' } },
                },
                total: { type: 'integer' },
                count: { type: 'integer' },
                skipped: skipSchema,
                sample: {
                  type: ['object', 'null'],
                  properties: {
                    studentNumber: { type: 'string' },
                    to: { type: 'string' },
                    subject: { type: 'string' },
                    text: { type: 'string' },
                  },
                },
                quietHours: {
                  type: ['object', 'null'],
                  properties: {
                    from: { type: 'string' },
                    to: { type: 'string' },
                    active: { type: 'boolean' },
                    resumesAt: nullable('string'),
                  },
                },
                intervalHours: { type: 'integer' },
              },
            },
            ...errors(400, 401, 403, 404, 409),
          },
        },
      },
      async (req) => reminders.preview(req.admin!, req.params.unitId, req.body ?? {}, originOf(req)),
    );

    app.post<{ Params: { unitId: number }; Body: ReminderRequest }>(
      '/units/:unitId/reminders/send',
      {
        schema: {
          tags,
          security,
          description:
            'Queues one reminder per student the preview counts, through the configured channel ' +
            '(KAOZHAO_REMINDER_CHANNEL); in quiet hours they leave when those end. Failed deliveries are ' +
            'retried with exponential backoff, then marked failed. Audit-logged per centre. Up to ' +
            `${REMINDER_INLINE_MAX} students, or selected rows: queued in the request, 200 (status done). ` +
            'More: 202 at once (status running), queued a page at a time in the background; follow it ' +
            'with GET /api/admin/reminders/sends/{batchId}.',
          params: unitParams,
          body: requestBody,
          response: { 200: sendSchema, 202: sendSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        const r = await reminders.send(req.admin!, req.params.unitId, req.body ?? {}, originOf(req));
        return reply.status(r.status === 'running' ? 202 : 200).send(r);
      },
    );

    app.get<{ Params: { batchId: string } }>(
      '/reminders/sends/:batchId',
      {
        schema: {
          tags,
          security,
          description:
            "A send's progress: running (queued so far of count), done, or failed with the reason. A send " +
            "made for a unit outside the admin's scope answers 404 like an unknown one.",
          params: { type: 'object', required: ['batchId'], properties: { batchId: uuidParam } },
          response: { 200: sendSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => reminders.sendProgress(req.admin!, req.params.batchId),
    );

    app.get<{
      Params: { unitId: number };
      Querystring: {
        status?: ReminderStatus;
        channel?: ReminderChannel;
        studentNumber?: string;
        campaignId?: string;
        after?: number;
        limit?: number;
      };
    }>(
      '/units/:unitId/reminders',
      {
        schema: {
          tags,
          security,
          description:
            "The unit's reminders and their delivery status, newest first (names and addresses masked); " +
            'channel=outbox is the outbox. Keyset paging: pass `next` as `after`.',
          params: unitParams,
          querystring: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: [...REMINDER_STATUSES] },
              channel: { type: 'string', enum: [...REMINDER_CHANNELS] },
              studentNumber,
              campaignId: uuidParam,
              after: afterQuery,
              limit: { type: 'integer', minimum: 1, maximum: 500 },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { items: { type: 'array', items: deliverySchema }, next: nullable('integer') },
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req): Promise<ReminderDeliveriesResponse> => {
        const { after, limit, ...filters } = req.query;
        return reminders.deliveries(req.admin!, req.params.unitId, {
          ...filters,
          after: after ?? 0,
          limit: limit ?? 100,
        });
      },
    );

    app.get<{ Params: { unitId: number }; Querystring: { numbers: string; campaignId?: string } }>(
      '/units/:unitId/reminders/students',
      {
        schema: {
          tags,
          security,
          description:
            'Reminder state of students of the unit (comma-separated numbers, at most a page): opted out, ' +
            'reachable by the channel, the latest reminder in the campaign. Numbers outside the scope are left out.',
          params: unitParams,
          querystring: {
            type: 'object',
            required: ['numbers'],
            properties: {
              numbers: { type: 'string', pattern: '^[0-9A-Za-z]{1,32}(,[0-9A-Za-z]{1,32}){0,199}$' },
              campaignId: uuidParam,
            },
          },
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: stateSchema } } },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req): Promise<ReminderStudentStatesResponse> => ({
        items: await reminders.studentStates(
          req.admin!,
          req.params.unitId,
          req.query.numbers.split(','),
          req.query.campaignId,
        ),
      }),
    );

    app.put<{ Params: { studentNumber: string }; Body: ReminderOptOutRequest }>(
      '/students/:studentNumber/reminder-opt-out',
      {
        schema: {
          tags,
          security,
          description:
            'The student asked for no more reminders (optOut: true; queued ones are cancelled) or back in. ' +
            'Audit-logged. A student outside the scope answers 404 like an unknown one.',
          params: { type: 'object', required: ['studentNumber'], properties: { studentNumber } },
          body: {
            type: 'object',
            required: ['optOut'],
            additionalProperties: false,
            properties: { optOut: { type: 'boolean' } },
          },
          response: { 200: stateSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => reminders.setOptOut(req.admin!, req.params.studentNumber, req.body.optOut),
    );
  };
}
