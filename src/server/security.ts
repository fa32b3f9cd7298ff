// Browser-facing protections on every response and every write: security headers (helmet), no
// caching of API answers, and the same-origin rule for state-changing requests (CSRF).
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KaozhaoError } from '../domain/errors.js';

/**
 * One policy for the student app (/), the admin console (/admin) and Swagger UI (/docs), checked
 * in Chromium with both apps' browser suites. Scripts only from this origin, no inline script;
 * inline styles are allowed because antd and Swagger UI write style attributes at run time. The
 * student app shows its camera shot through a blob: URL, Swagger UI its logo as a data: URL.
 * No upgrade-insecure-requests: a plain-HTTP install (a LAN address, 127.0.0.1) would have every
 * script and call rewritten to an https:// that does not answer.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FORM_PROOF_TYPES = new Set(['application/json', 'multipart/form-data']);

/**
 * The Origin a browser sends names this server. Compared by host and port only, not by scheme:
 * behind a TLS proxy that is not listed as trusted the request looks like http while the page is
 * https, and refusing every write there would be worse than the (same-host) difference.
 */
function isSameOrigin(origin: string, req: FastifyRequest): boolean {
  try {
    const o = new URL(origin);
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    // Parsed with the origin's scheme so that a default port reads the same on both sides.
    return o.host === new URL(`${o.protocol}//${req.host}`).host;
  } catch {
    // "null" (a sandboxed frame, a privacy redirect) or a malformed header.
    return false;
  }
}

/**
 * Refuses a cross-site state change. Browsers send Origin on every POST/PUT/PATCH/DELETE, so a
 * foreign page's form or fetch is refused by it. A request without Origin (curl, a script, an
 * old browser) must at least carry a JSON or multipart body: a cross-site HTML form can send
 * text/plain or urlencoded bodies without any CORS preflight, never application/json.
 */
async function sameOriginWrites(req: FastifyRequest): Promise<void> {
  if (!UNSAFE_METHODS.has(req.method)) return;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!isSameOrigin(origin, req)) throw KaozhaoError.of('request.cross_origin');
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!FORM_PROOF_TYPES.has(type)) throw KaozhaoError.of('request.origin_required');
}

export async function registerSecurity(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Only browsers that reached the site over HTTPS keep this; no includeSubDomains, since the
    // university's other hosts are not ours to pin.
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
  app.addHook('onRequest', async (req, reply) => {
    // Camera for the student app's own pages; nothing else a page here may ask the phone for.
    void reply.header('permissions-policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()');
    // API answers carry personal data (names, ID numbers, photos, exports): nothing of them may
    // stay in a browser or proxy cache after sign-out on a shared phone or PC.
    if (req.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
  });
  app.addHook('onRequest', sameOriginWrites);
}
