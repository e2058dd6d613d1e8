/**
 * API tokens in the admin API (services/api-tokens.ts). Managed by a signed-in admin only: a token
 * cannot list, make or revoke tokens, so a leaked one cannot make itself a successor.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParam } from '../../shared/schemas.js';
import { ApiToken, ApiTokenBody, CreatedApiToken } from '../../shared/api-tokens.js';
import type { Ctx } from '../services/context.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../services/api-tokens.js';
import { guardRoutes, techOf } from './session.js';
import { answers } from './answers.js';

export const apiTokenRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech', { admin: true, tokens: false });
  const tags = ['admin'];

  app.get('/', { schema: { tags, response: answers(z.array(ApiToken)) } }, async () => listApiTokens(ctx.db, ctx.now()));
  app.post(
    '/',
    {
      schema: {
        tags,
        description: 'Creates a token; the answer holds its secret, shown this once.',
        body: ApiTokenBody,
        response: answers(CreatedApiToken, 201),
      },
    },
    async (req, reply) => {
      const created = await createApiToken(ctx.db, techOf(req), req.body, ctx.now());
      req.log.info({ admin: techOf(req).id, apiToken: created.token.id, scopes: created.token.scopes }, 'API token created');
      return reply.status(201).send(created);
    },
  );
  app.delete(
    '/:id',
    { schema: { tags, description: 'Revokes a token: it stops working at once.', params: IdParam, response: answers(ApiToken) } },
    async (req) => {
      const revoked = await revokeApiToken(ctx.db, techOf(req), req.params.id, ctx.now());
      req.log.info({ admin: techOf(req).id, apiToken: revoked.id }, 'API token revoked');
      return revoked;
    },
  );
};
