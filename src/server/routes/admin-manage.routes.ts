// Administration endpoints of the admin API: campaigns, the unit tree, admin accounts, the audit
// log. Thin: schemas for validation and OpenAPI, the permission and scope checks in the services.
import type { FastifyPluginAsync } from 'fastify';
import type {
  AdminCampaignInput,
  AdminCreateRequest,
  AdminUpdateRequest,
  UnitCreateRequest,
  UnitRenameRequest,
  UnitsResponse,
} from '../../domain/admin-api.js';
import { PASSWORD_MIN_LENGTH } from '../../domain/admin-api.js';
import { ROLES, UNIT_LEVELS } from '../../domain/roles.js';
import { listSpecs } from '../../photo/spec.js';
import type { AppContext } from '../context.js';
import { PASSWORD_MAX_LENGTH, USERNAME_PATTERN } from '../services/admin-account.service.js';
import { EXEMPTION_SEMESTERS_MAX } from '../services/campaign-admin.service.js';
import { UNIT_CODE_PATTERN, UNIT_NAME_MAX } from '../services/unit-admin.service.js';
import { requireAdmin } from './auth.hooks.js';
import { errors, idParams, idSchema, offsetQuery, uuidParam } from './schemas.js';

const supportContact = {
  type: 'object',
  required: ['label'],
  additionalProperties: false,
  properties: {
    label: { type: 'string', minLength: 1, maxLength: 40 },
    phone: { type: 'string', maxLength: 40 },
    email: { type: 'string', maxLength: 100 },
    wechat: { type: 'string', maxLength: 60 },
    hours: { type: 'string', maxLength: 60 },
    unitCode: {
      type: 'string',
      maxLength: 32,
      description: "A learning centre's (or branch's) code: shown only to students who open that centre's entry link",
    },
  },
} as const;

// Semantic rules (window order, N range, known spec, semester format) are the service's, so the
// console gets the message of the rule that failed; the schema documents them.
const campaignInput = {
  type: 'object',
  required: ['name', 'semester', 'startsAt', 'endsAt', 'specId', 'exemptionSemesters', 'support'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 100 },
    semester: { type: 'string', maxLength: 16, description: 'YYYY-1 (spring) or YYYY-2 (autumn)' },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time', description: 'After startsAt, at most 366 days later' },
    specId: { type: 'string', maxLength: 40, description: `One of: ${listSpecs().join(', ')}` },
    exemptionSemesters: { type: 'integer', description: `0–${EXEMPTION_SEMESTERS_MAX}` },
    support: { type: 'array', maxItems: 10, items: supportContact },
  },
} as const;

const campaignSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    semester: { type: 'string' },
    startsAt: { type: 'string' },
    endsAt: { type: 'string' },
    specId: { type: 'string' },
    exemptionSemesters: { type: 'integer' },
    support: { type: 'array', items: supportContact },
  },
} as const;

const unitSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    code: { type: 'string' },
    name: { type: 'string' },
    level: { type: 'string', enum: [...UNIT_LEVELS] },
    parentId: { type: ['integer', 'null'] },
  },
} as const;

const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    unitId: { type: 'integer' },
    unitName: { type: 'string' },
    active: { type: 'boolean' },
    createdAt: { type: 'string' },
    lockedUntil: { type: ['string', 'null'] },
    failedLogins: { type: 'integer' },
    mustChangePassword: { type: 'boolean' },
  },
} as const;

const auditItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'string' },
    adminUsername: { type: ['string', 'null'] },
    action: { type: 'string' },
    unitId: { type: ['integer', 'null'] },
    unitName: { type: ['string', 'null'] },
    studentCount: { type: 'integer' },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const password = {
  type: 'string',
  maxLength: PASSWORD_MAX_LENGTH,
  description: `At least ${PASSWORD_MIN_LENGTH} characters, not containing the username, not digits only, not a common password; its owner replaces it at first sign-in`,
} as const;

export function adminManageRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { auth, campaignAdmin, unitAdmin, accounts, auditLog } = ctx.services;
    const tags = ['admin: administration'];
    const security = [{ admin: [] }];
    app.addHook('onRequest', requireAdmin(ctx));

    // Campaigns: read by the unit admins, written by HQ.
    app.get(
      '/campaigns',
      {
        schema: {
          tags,
          security,
          response: {
            200: {
              type: 'object',
              properties: {
                items: { type: 'array', items: campaignSchema },
                specs: {
                  type: 'array',
                  items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
                },
              },
            },
            ...errors(401, 403),
          },
        },
      },
      async (req) => {
        auth.can(req.admin!, 'campaigns');
        return campaignAdmin.list();
      },
    );

    app.post<{ Body: AdminCampaignInput }>(
      '/campaigns',
      {
        schema: {
          tags,
          security,
          body: campaignInput,
          response: { 200: campaignSchema, ...errors(400, 401, 403, 409) },
        },
      },
      async (req) => {
        auth.can(req.admin!, 'manageCampaigns');
        return campaignAdmin.create(req.admin!, req.body);
      },
    );

    app.put<{ Params: { id: string }; Body: AdminCampaignInput }>(
      '/campaigns/:id',
      {
        schema: {
          tags,
          security,
          params: { type: 'object', properties: { id: uuidParam }, required: ['id'] },
          body: campaignInput,
          response: { 200: campaignSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => {
        auth.can(req.admin!, 'manageCampaigns');
        return campaignAdmin.update(req.admin!, req.params.id, req.body);
      },
    );

    // The unit tree.
    app.get(
      '/units',
      {
        schema: {
          tags,
          security,
          description: "The units in the admin's scope, flat (parentId links them), parents first.",
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: unitSchema } } },
            ...errors(401),
          },
        },
      },
      async (req): Promise<UnitsResponse> => ({ items: await unitAdmin.list(req.admin!) }),
    );

    app.post<{ Body: UnitCreateRequest }>(
      '/units',
      {
        schema: {
          tags,
          security,
          description: 'A branch/college under HQ, or a centre under a branch. Codes are unique.',
          body: {
            type: 'object',
            required: ['parentId', 'code', 'name'],
            additionalProperties: false,
            properties: {
              parentId: idSchema,
              code: { type: 'string', maxLength: 64, description: UNIT_CODE_PATTERN },
              name: { type: 'string', maxLength: 200, description: `1–${UNIT_NAME_MAX} characters` },
            },
          },
          response: { 200: unitSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => unitAdmin.create(req.admin!, req.body),
    );

    app.patch<{ Params: { id: number }; Body: UnitRenameRequest }>(
      '/units/:id',
      {
        schema: {
          tags,
          security,
          params: idParams,
          body: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { type: 'string', maxLength: 200 } },
          },
          response: { 200: unitSchema, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => unitAdmin.rename(req.admin!, req.params.id, req.body.name),
    );

    // Admin accounts.
    app.get<{ Querystring: { unitId?: number; limit?: number; offset?: number } }>(
      '/admins',
      {
        schema: {
          tags,
          security,
          querystring: {
            type: 'object',
            properties: {
              unitId: idSchema,
              limit: { type: 'integer', minimum: 1, maximum: 500 },
              offset: offsetQuery,
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { items: { type: 'array', items: accountSchema }, total: { type: 'integer' } },
            },
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => accounts.list(req.admin!, req.query.unitId, req.query.limit ?? 100, req.query.offset ?? 0),
    );

    app.post<{ Body: AdminCreateRequest }>(
      '/admins',
      {
        schema: {
          tags,
          security,
          body: {
            type: 'object',
            required: ['username', 'displayName', 'role', 'unitId', 'password'],
            additionalProperties: false,
            properties: {
              username: { type: 'string', maxLength: 64, description: USERNAME_PATTERN },
              displayName: { type: 'string', maxLength: 100 },
              role: { type: 'string', enum: [...ROLES] },
              unitId: idSchema,
              password,
            },
          },
          response: { 200: accountSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => accounts.create(req.admin!, req.body),
    );

    app.patch<{ Params: { id: number }; Body: AdminUpdateRequest }>(
      '/admins/:id',
      {
        schema: {
          tags,
          security,
          description: 'Disable or enable, reset the password, rename. A disabled or reset account is signed out.',
          params: idParams,
          body: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              active: { type: 'boolean' },
              password,
              displayName: { type: 'string', maxLength: 100 },
            },
          },
          response: { 200: accountSchema, ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => accounts.update(req.admin!, req.params.id, req.body),
    );

    app.post<{ Params: { id: number } }>(
      '/admins/:id/unlock',
      {
        schema: {
          tags,
          security,
          description: 'Lifts the sign-in lock that repeated wrong passwords set (audit-logged).',
          params: idParams,
          response: { 200: accountSchema, ...errors(401, 403, 404) },
        },
      },
      async (req) => accounts.unlock(req.admin!, req.params.id),
    );

    // The audit log.
    app.get<{ Querystring: { unitId?: number; action?: string; limit?: number; offset?: number } }>(
      '/audit',
      {
        schema: {
          tags,
          security,
          description: "Newest first, entries on the unit's subtree; no personal data (counts, filters, file names).",
          querystring: {
            type: 'object',
            properties: {
              unitId: idSchema,
              action: {
                type: 'string',
                pattern: '^[a-z]+(\\.[a-z_]+)?$',
                description: 'One action (review.reject) or a family (review)',
              },
              limit: { type: 'integer', minimum: 1, maximum: 200 },
              offset: offsetQuery,
            },
          },
          response: {
            200: { type: 'object', properties: { items: { type: 'array', items: auditItemSchema } } },
            ...errors(401, 403, 404),
          },
        },
      },
      async (req) => ({ items: await auditLog.list(req.admin!, req.query) }),
    );
  };
}
