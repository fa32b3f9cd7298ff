// Exam entry: compare a live face with a student's collected photo. The frame arrives as a
// multipart upload like a student's photo and is described in the photo workers, never stored.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import type { AdminPrincipal } from '../services/admin-auth.service.js';
import { requireAdmin } from './auth.hooks.js';
import { errors, studentNumber } from './schemas.js';
import { readUpload } from './upload.js';

export function examRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', requireAdmin(ctx));
    app.post<{ Params: { studentNumber: string } }>(
      '/students/:studentNumber/verify-face',
      {
        schema: {
          tags: ['admin: exam entry'],
          security: [{ admin: [] }],
          consumes: ['multipart/form-data'],
          description:
            'Multipart field "photo": the live face (JPEG, PNG or WebP). Compared 1:1 with the ' +
            "student's most recent approved photo; audit-logged. The frame is not stored.",
          params: {
            type: 'object',
            required: ['studentNumber'],
            properties: { studentNumber },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                studentNumber: { type: 'string' },
                maskedName: { type: 'string' },
                similarity: { type: 'number' },
                threshold: { type: 'number' },
                match: { type: 'boolean' },
                photoId: { type: 'string' },
                liveFaceScore: { type: 'number' },
              },
            },
            ...errors(400, 401, 403, 404, 413, 415, 422, 503),
          },
        },
      },
      async (req) => {
        const { bytes } = await readUpload(req, 'photo');
        return ctx.services.exam.verifyFace(req.admin as AdminPrincipal, req.params.studentNumber, bytes);
      },
    );
  };
}
