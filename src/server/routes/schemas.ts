// Shared JSON schema pieces for route definitions (validation and the OpenAPI description).
import type { FastifyReply } from 'fastify';
import { BACKGROUND_NAMES } from '../../domain/backgrounds.js';
import { PHOTO_STATUSES } from '../../domain/photo-status.js';
import { PHOTO_FILE_PATTERN } from '../services/photo.service.js';

export const errorSchema = {
  type: 'object',
  properties: { code: { type: 'string' }, message: { type: 'string' }, messageEn: { type: 'string' } },
  required: ['code', 'message'],
} as const;

export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorSchema]));

export const studentNumber = {
  type: 'string',
  minLength: 1,
  maxLength: 32,
  pattern: '^\\s*[0-9A-Za-z]+\\s*$',
} as const;
// Ids and offsets reach PostgreSQL as int4/int8 and uuid: a value the column type cannot hold
// fails there, as a 500, so the schemas stop it first as a 400.
export const INT4_MAX = 2_147_483_647;
/** A serial id (units, admins, students) in a path, query or body. */
export const idSchema = { type: 'integer', minimum: 1, maximum: INT4_MAX } as const;
/** Path params of a route on one numbered record: /units/:id, /admins/:id. */
export const idParams = { type: 'object', properties: { id: idSchema }, required: ['id'] } as const;
/** Paging: rows to skip, and a keyset cursor (the last id seen, 0 for the start). */
export const offsetQuery = { type: 'integer', minimum: 0, maximum: INT4_MAX } as const;
export const afterQuery = { type: 'integer', minimum: 0, maximum: INT4_MAX } as const;
/** A UUID in canonical form. A pattern rather than only `format: 'uuid'`, which also admits a
 *  `urn:uuid:` prefix that PostgreSQL refuses. */
export const uuidParam = {
  type: 'string',
  format: 'uuid',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;
export const background = { type: 'string', enum: [...BACKGROUND_NAMES] } as const;

/** Params of a photo file route: the attempt id and a file name such as blue.jpg or cutout.png. */
export const photoFileParams = {
  type: 'object',
  properties: { id: uuidParam, name: { type: 'string', pattern: PHOTO_FILE_PATTERN } },
  required: ['id', 'name'],
} as const;

/** Sends a stored photo file. It shows a person: never stored by the browser or a proxy, so
 *  nothing of it is left to read from the cache after sign-out on a shared phone or PC. */
export function sendPhotoFile(reply: FastifyReply, name: string, bytes: Uint8Array): FastifyReply {
  return reply
    .type(name.endsWith('.png') ? 'image/png' : 'image/jpeg')
    .header('cache-control', 'no-store')
    .send(Buffer.from(bytes));
}

const anyObject = { type: 'object', additionalProperties: true } as const;

export const photoAttemptSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: [...PHOTO_STATUSES] },
    createdAt: { type: 'string' },
    progress: { type: 'number' },
    error: { anyOf: [{ type: 'null' }, anyObject] },
    verdict: { type: ['string', 'null'] },
    report: { type: 'array', items: anyObject },
    photos: { type: 'object', additionalProperties: { type: 'string' } },
    cutout: { type: ['string', 'null'] },
    background: { type: ['string', 'null'] },
    submittedAt: { type: ['string', 'null'] },
    rejectionReason: { type: ['string', 'null'] },
  },
} as const;

export const studentSelfSchema = {
  type: 'object',
  properties: {
    studentNumber: { type: 'string' },
    maskedName: { type: 'string' },
    maskedIdNumber: { type: 'string' },
    unitName: { type: 'string' },
    state: { type: 'string' },
    consentVersion: { type: ['string', 'null'] },
    currentAgreementVersion: { type: 'string' },
  },
} as const;
