/**
 * The OpenAPI document and its viewer, both public: `/api/openapi.json` and `/api/docs`. The
 * document names three ways in (the two sides' session cookies and the API token); every
 * operation says which of them it takes, set where its routes are guarded (`guardRoutes` in
 * session.ts), and an operation no guard covers says it needs none.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { TOKEN_PREFIX } from '../../shared/api-tokens.js';
import { scopesAllowing } from '../policies/token-scopes.js';
import { COOKIE, type Guard } from './session.js';

const SECURITY_SCHEMES = {
  techSession: {
    type: 'apiKey',
    in: 'cookie',
    name: COOKIE.tech,
    description: 'The Tech Console session: the cookie set by POST /api/auth/tech/login.',
  },
  portalSession: {
    type: 'apiKey',
    in: 'cookie',
    name: COOKIE.portal,
    description: 'The Client Portal session: the cookie set by POST /api/auth/portal/login.',
  },
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description: [
      `An API token (\`${TOKEN_PREFIX}…\`) that an admin created under Admin → API tokens, sent as \`Authorization: Bearer <token>\`.`,
      'It acts as the admin who created it and stops working when that admin is deactivated or is no longer an admin.',
      'Scopes: `read` allows the GET routes of /api/console and /api/admin; `write` those and the other methods of /api/console;',
      '`admin` every route of /api/admin. Each operation names the scopes it needs.',
      'Refusals: 401 `token_invalid` (unknown, revoked, expired or its admin gone), 403 `token_scope` (not allowed here).',
    ].join(' '),
  },
} as const;

/** The operation's `security`, and the token scopes it needs added to its description. */
function documentGuard(schema: FastifySchema, method: string, g: Guard | undefined): FastifySchema {
  const security = (...schemes: string[]) => schemes.map((name) => ({ [name]: [] as string[] }));
  const description = schema.description;
  if (!g) return { ...schema, security: [] };
  if (g.audience === 'portal') return { ...schema, security: security('portalSession') };
  if (!g.tokens) return { ...schema, security: security('techSession'), description: join(description, 'Not for API tokens.') };
  const scopes = scopesAllowing(g.area, method)
    .map((s) => `\`${s}\``)
    .join(' or ');
  return { ...schema, security: security('techSession', 'apiToken'), description: join(description, `API token scope: ${scopes}.`) };
}

const join = (a: string | undefined, b: string) => (a ? `${a}\n\n${b}` : b);

export async function registerApiDocs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Helpdesk live chat API',
        version: '1.0.0',
        description: 'The REST API of the Client Portal, the Tech Console and the admin pages. Guide and examples: docs/integrations.md.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    // Every operation names the ways in it takes; one no guard covers (health, logins, branding) none.
    transform: (doc) => {
      const out = jsonSchemaTransform(doc);
      const method = [doc.route.method].flat()[0];
      const guard = (doc.route.config as { guard?: Guard } | undefined)?.guard;
      return { ...out, schema: documentGuard(out.schema, method, guard) };
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // The viewer's files are scripts and style sheets of its own, so it runs under the app's
  // Content-Security-Policy unchanged: no inline script, no outside host, no validator call, and
  // the base layout, because the standalone one's top bar draws a logo with an inline <style>.
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    theme: { title: 'Helpdesk live chat API' },
    uiConfig: { layout: 'BaseLayout', deepLinking: true, defaultModelsExpandDepth: 0 },
    validatorUrl: false,
  });
}
