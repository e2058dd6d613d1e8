import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import helmet from 'helmet';
import multipart from '@fastify/multipart';
import fs from 'node:fs';
import path from 'node:path';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, toErrorBody } from '../errors.js';
import { bearerSecret } from './session.js';
import type { Ctx } from '../services/context.js';
import { authRoutes } from './auth-routes.js';
import { portalRoutes } from './portal/routes.js';
import { consoleRoutes } from './console/routes.js';
import { adminRoutes } from './admin/routes.js';
import { webhookRoutes } from './admin/webhook-routes.js';
import { requestOriginAllowed } from './origin.js';
import { answers } from './answers.js';
import { metricsRoute } from './metrics-route.js';
import { requestLog } from './request-log.js';
import { setupGate, setupRoutes } from './setup-routes.js';
import { brandingRoutes } from './branding-routes.js';
import { widgetRoutes } from './widget-routes.js';
import { ssoAdminRoutes, ssoAuthRoutes } from './sso-routes.js';
import { registerApiDocs } from './openapi.js';
import { apiTokenRoutes } from './api-token-routes.js';
import { mailAdminRoutes, mailPortalRoutes, mailPublicRoutes } from './mail-routes.js';
import { accountRoutes } from './account-routes.js';
import { wallboardAdminRoutes, wallboardConsoleRoutes } from './wallboard-routes.js';
import { readiness } from '../services/readiness.js';
import { ErrorBody, Health, Readiness } from '../../shared/views.js';

export type App = FastifyInstance;

const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send JSON (Content-Type: application/json)' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Invalid Content-Length' },
  // Uploads (services/files.ts): one multipart part, the file.
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the file as multipart/form-data' },
  FST_PARTS_LIMIT: { status: 400, code: 'bad_request', message: 'Send one file per request, as the multipart field "file"' },
  FST_FILES_LIMIT: { status: 400, code: 'bad_request', message: 'Send one file per request, as the multipart field "file"' },
  FST_FIELDS_LIMIT: { status: 400, code: 'bad_request', message: 'Send one file per request, as the multipart field "file"' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'file_too_large', message: 'The file is larger than the most that may be sent' },
};

/** `redisUp`: whether this node's Redis link is up (asked only when REDIS_URL is set). */
export async function buildApp(ctx: Ctx, opts: { logger: boolean | object; redisUp: () => boolean }): Promise<App> {
  const logger = opts.logger && { ...(opts.logger === true ? {} : opts.logger), redact: ['req.headers.cookie', 'req.headers.authorization'] };
  const app = Fastify({
    logger: logger as never,
    bodyLimit: 64 * 1024,
    // One line per request, written by requestLog (http/request-log.ts), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Only trusted proxies may name the client's address and protocol (login limits, Secure cookies).
    trustProxy: ctx.config.trustProxy,
  });
  // JSON only: a text/plain body would otherwise reach validation as a string.
  app.removeContentTypeParser(['text/plain']);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err, req, reply) => {
    // An error body is plain JSON, even where the answer it replaces was written gzipped (http/answers.ts).
    reply.removeHeader('content-encoding');
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message }));
      return reply.status(400).send({
        error: {
          code: 'validation_failed',
          message: `Invalid ${err.validationContext ?? 'input'}: ${issues[0]?.path} ${issues[0]?.message}`,
          details: { issues },
        },
      });
    }
    const fe = err as { code?: string; statusCode?: number; name?: string };
    const known = fe.code ? FASTIFY_ERRORS[fe.code] : undefined;
    if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
    if (fe.name === 'SyntaxError' && fe.statusCode === 400)
      return reply.status(400).send({ error: { code: 'invalid_json', message: 'The body is not valid JSON' } });
    if (!(err instanceof AppError) && fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'bad_request', message: (err as Error).message } });
    }
    const { status, body } = toErrorBody(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    // Every refusal that names a wait (login throttling, request pacing) says it the HTTP way too.
    const retryAfterMs = body.error.details?.retryAfterMs;
    if (status === 429 && typeof retryAfterMs === 'number') reply.header('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET') return reply.status(404).send({ error: { code: 'not_found', message: 'No such endpoint' } });
    // A file of another build (a tab opened before an upgrade asks for its old page code): a 404,
    // not the app's page in its place, so the tab knows to reload (web/common/page-errors.tsx).
    if (req.url.startsWith('/assets/')) return reply.status(404).send({ error: { code: 'not_found', message: 'No such file' } });
    return sendSpa(req, reply as never);
  });

  // Security headers. The pages load only their own scripts, styles and connections: no inline
  // script is allowed anywhere (the browser tests run under this policy).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'data:', 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Only over https (below): over plain http a browser ignores it, and a test or LAN trial on
    // http must not be told to upgrade.
    hsts: false,
  });
  // Built once and applied as one plain hook: @fastify/helmet built helmet's middleware again for
  // every request (its directives parsed each time), about 40 us a request in a CPU profile.
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)));
  // State-changing requests from a browser must come from our own pages; checked after the security
  // headers are set, so a refusal carries them too. One with an API token is judged by the token
  // alone, never by a cookie (http/session.ts), so it may come from anywhere.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    if (bearerSecret(req.raw) !== null) return;
    if (!requestOriginAllowed(req.raw, ctx.config.trustProxy, ctx.config.allowedOrigins)) {
      return reply.status(403).send({ error: { code: 'bad_origin', message: 'Cross-origin request refused' } });
    }
  });
  // A request still being answered when the server begins to close (SIGTERM: main.ts) gets its
  // answer, then its connection is closed: kept alive, it would hold the close until the keep-alive
  // timeout (72 s). Requests that arrive while closing get Fastify's 503, closed as well.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.protocol === 'https') reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  requestLog(app, ctx.metrics, ctx.config.nodeId);
  metricsRoute(app, ctx.metrics, ctx.config.metrics.token);

  await app.register(cookie);
  // Files in chat arrive as multipart and are streamed, never held whole (services/files.ts). One byte
  // over the limit gets through to the service, which refuses it with its own words.
  await app.register(multipart, { limits: { fileSize: ctx.config.files.maxBytes + 1, files: 1, fields: 0, parts: 1, headerPairs: 20 } });
  // The OpenAPI document (/api/openapi.json) and its viewer (/api/docs), public: http/openapi.ts.
  await registerApiDocs(app);

  // Liveness: the process serves; it reads nothing, so a database outage does not get it restarted.
  app.get('/api/health', { schema: { tags: ['operations'], response: answers(Health) } }, async () => ({ status: 'ok' as const, node: ctx.config.nodeId }));
  app.get('/api/ready', { schema: { tags: ['operations'], response: { 200: Readiness, 503: Readiness, '4xx': ErrorBody } } }, async (_req, reply) => {
    const r = await readiness(ctx.db, { configured: !!ctx.config.redisUrl, isUp: opts.redisUp });
    return reply.status(r.status === 'ready' ? 200 : 503).send(r);
  });
  // Until the first account exists, the API serves nothing but the setup (services/setup.ts).
  app.addHook('onRequest', setupGate(ctx));

  await app.register(setupRoutes(ctx), { prefix: '/api/setup' });
  await app.register(authRoutes(ctx), { prefix: '/api/auth' });
  await app.register(ssoAuthRoutes(ctx), { prefix: '/api/auth' });
  await app.register(brandingRoutes(ctx), { prefix: '/api/branding' });
  await app.register(accountRoutes(ctx, 'portal'), { prefix: '/api/portal/account' });
  await app.register(accountRoutes(ctx, 'tech'), { prefix: '/api/console/account' });
  await app.register(portalRoutes(ctx), { prefix: '/api/portal' });
  await app.register(consoleRoutes(ctx), { prefix: '/api/console' });
  await app.register(adminRoutes(ctx), { prefix: '/api/admin' });
  await app.register(ssoAdminRoutes(ctx), { prefix: '/api/admin/sso' });
  await app.register(apiTokenRoutes(ctx), { prefix: '/api/admin/api-tokens' });
  // Email (services/mail.ts): its public, portal and admin routes.
  await app.register(mailPublicRoutes(ctx), { prefix: '/api' });
  await app.register(mailPortalRoutes(ctx), { prefix: '/api/portal' });
  await app.register(mailAdminRoutes(ctx), { prefix: '/api/admin/email' });
  await app.register(webhookRoutes(ctx), { prefix: '/api/admin/webhooks' });
  await app.register(wallboardConsoleRoutes(ctx), { prefix: '/api/console/wallboard' });
  await app.register(wallboardAdminRoutes(ctx), { prefix: '/api/admin/wallboard' });

  const webRoot = path.resolve(ctx.config.webDist);
  const hasWeb = fs.existsSync(path.join(webRoot, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: false, wildcard: false });
  await app.register(widgetRoutes(ctx, (req, reply) => sendSpa(req, reply as never)));
  function sendSpa(
    req: FastifyRequest,
    reply: { type: (t: string) => { send: (b: unknown) => unknown }; sendFile?: (f: string) => unknown; status: (n: number) => unknown },
  ) {
    if (!hasWeb) return reply.type('text/plain').send('The web app is not built: run `npm run build:web`.');
    const page = req.url.startsWith('/console') ? 'console.html' : 'index.html';
    return (reply as unknown as { sendFile: (f: string) => unknown }).sendFile(page);
  }
  return app.withTypeProvider<ZodTypeProvider>();
}
