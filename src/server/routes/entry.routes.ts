// Entry links and their QR codes (src/domain/entry.ts). Thin: the scope and the link are the
// service's (entry-link.service.ts).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ENTRY_QUERY } from '../../domain/entry.js';
import type { AppContext } from '../context.js';
import type { QrFormat } from '../services/entry-link.service.js';
import { UNIT_CODE_PATTERN } from '../services/unit-admin.service.js';
import { requireAdmin } from './auth.hooks.js';
import { errors, idParams, uuidParam } from './schemas.js';

const campaignSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    startsAt: { type: 'string' },
    endsAt: { type: 'string' },
    open: { type: 'boolean' },
  },
} as const;

const contactSchema = {
  type: 'object',
  properties: {
    label: { type: 'string' },
    phone: { type: 'string' },
    email: { type: 'string' },
    wechat: { type: 'string' },
    hours: { type: 'string' },
    unitCode: { type: 'string' },
  },
} as const;

/** The origin the admin's browser used (Host, or X-Forwarded-Host/-Proto from a trusted proxy). */
export const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** Public: the student app asks what to show for the link it was opened by. */
export function entryRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { entryLinks } = ctx.services;
    app.get<{ Querystring: { c: string; k?: string } }>(
      '/entry',
      {
        schema: {
          tags: ['student'],
          description:
            `The learning centre of an entry link (/?${ENTRY_QUERY.centre}=<centre code>&${ENTRY_QUERY.campaign}=<campaign id>) ` +
            "and its contacts: the centre's own, its branch's, then the campaign's general ones. Without k: the current campaign.",
          querystring: {
            type: 'object',
            required: [ENTRY_QUERY.centre],
            additionalProperties: false,
            properties: {
              [ENTRY_QUERY.centre]: { type: 'string', pattern: UNIT_CODE_PATTERN },
              [ENTRY_QUERY.campaign]: uuidParam,
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                centre: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
                campaign: campaignSchema,
                contacts: { type: 'array', items: contactSchema },
              },
            },
            ...errors(400, 404),
          },
        },
      },
      async (req) => entryLinks.info(req.query.c, req.query.k),
    );
  };
}

/** Admin: the link, and its QR code as PNG and SVG, for a centre of the admin's scope. */
export function entryAdminRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const { entryLinks } = ctx.services;
    const tags = ['admin: entry links'];
    const security = [{ admin: [] }];
    app.addHook('onRequest', requireAdmin(ctx));
    const querystring = {
      type: 'object',
      additionalProperties: false,
      properties: { campaignId: { ...uuidParam, description: 'Default: the current campaign' } },
    } as const;
    type Req = { Params: { id: number }; Querystring: { campaignId?: string } };
    const scope =
      'A learning centre: a centre admin its own, a branch its centres, HQ all; any other id answers 404, a branch or HQ 400.';

    app.get<Req>(
      '/units/:id/entry-link',
      {
        schema: {
          tags,
          security,
          description: `The centre's entry link for a campaign, with what its poster prints. ${scope}`,
          params: idParams,
          querystring,
          response: {
            200: {
              type: 'object',
              properties: {
                url: { type: 'string' },
                centre: {
                  type: 'object',
                  properties: { id: { type: 'integer' }, code: { type: 'string' }, name: { type: 'string' } },
                },
                campaign: campaignSchema,
              },
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req) => entryLinks.link(req.admin!, req.params.id, req.query.campaignId, originOf(req)),
    );

    for (const format of ['png', 'svg'] as const satisfies readonly QrFormat[]) {
      app.get<Req>(
        `/units/:id/entry-qr.${format}`,
        {
          schema: {
            tags,
            security,
            description: `The entry link as a QR code (${format === 'png' ? 'PNG, ≈ 400 px' : 'SVG, for print'}). ${scope}`,
            params: idParams,
            querystring,
            response: errors(400, 401, 403, 404),
          },
        },
        async (req, reply) => {
          const { body, filename } = await entryLinks.qr(
            req.admin!,
            req.params.id,
            req.query.campaignId,
            originOf(req),
            format,
          );
          return reply
            .type(format === 'png' ? 'image/png' : 'image/svg+xml')
            .header('content-disposition', `inline; filename="${filename}"`)
            .send(body);
        },
      );
    }
  };
}
