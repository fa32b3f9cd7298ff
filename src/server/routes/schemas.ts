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
export const uuidParam = { type: 'string', minLength: 36, maxLength: 36 } as const;
export const background = { type: 'string', enum: [...BACKGROUND_NAMES] } as const;

/** Params of a photo file route: the attempt id and a file name such as blue.jpg or cutout.png. */
export const photoFileParams = {
  type: 'object',
  properties: { id: uuidParam, name: { type: 'string', pattern: PHOTO_FILE_PATTERN } },
  required: ['id', 'name'],
} as const;

/** Sends a stored photo file; private, since it shows a person. */
export function sendPhotoFile(reply: FastifyReply, name: string, bytes: Uint8Array): FastifyReply {
  return reply
    .type(name.endsWith('.png') ? 'image/png' : 'image/jpeg')
    .header('cache-control', 'private, max-age=3600')
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
