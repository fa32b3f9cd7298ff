import type { FastifyReply, FastifyRequest } from 'fastify';
import { KaozhaoError } from '../../domain/errors.js';
import type { AppContext } from '../context.js';
import type { AdminPrincipal } from '../services/admin-auth.service.js';

export const STUDENT_COOKIE = 'kz_sid';
export const ADMIN_COOKIE = 'kz_admin';

declare module 'fastify' {
  interface FastifyRequest {
    studentId?: number;
    admin?: AdminPrincipal;
  }
  interface FastifyContextConfig {
    /** Open to an admin who must still replace a password another admin set (me, password, logout). */
    beforePasswordChange?: boolean;
  }
}

export function cookieOptions(ctx: AppContext, minutes: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    // 'auto': Secure whenever this request came over HTTPS (req.protocol, which believes
    // X-Forwarded-Proto only from a trusted proxy), so a session cookie set over TLS never
    // travels over plain HTTP; the setting forces it for every request.
    secure: ctx.config.secureCookies ? true : ('auto' as const),
    maxAge: minutes * 60,
  };
}

export function requireStudent(ctx: AppContext) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = req.cookies[STUDENT_COOKIE];
    if (!token) throw KaozhaoError.of('auth.required');
    const s = await ctx.repos.sessions.find('student', token);
    if (s === 'expired') throw KaozhaoError.of('session.expired');
    if (!s) throw KaozhaoError.of('auth.required');
    req.studentId = s.subjectId;
  };
}

export function requireAdmin(ctx: AppContext) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const token = req.cookies[ADMIN_COOKIE];
    if (!token) throw KaozhaoError.of('auth.required');
    const s = await ctx.repos.sessions.find('admin', token);
    if (s === 'expired') throw KaozhaoError.of('session.expired');
    if (!s) throw KaozhaoError.of('auth.required');
    req.admin = await ctx.services.auth.principal(s.subjectId);
    if (req.admin.admin.mustChangePassword && !req.routeOptions.config.beforePasswordChange) {
      throw KaozhaoError.of('auth.password_change_required');
    }
  };
}
