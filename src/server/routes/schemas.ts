// Shared JSON schema pieces for route definitions (validation and the OpenAPI description).
import { BACKGROUND_NAMES } from '../../domain/backgrounds.js';
import { PHOTO_STATUSES } from '../../domain/photo-status.js';

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
