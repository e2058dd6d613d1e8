/**
 * Setup mode over HTTP: the one request it allows (the first admin) and the gate that answers
 * `setup_required` to every other request of the portal, the console, the admin and logins.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SetupAdminBody } from '../../shared/schemas.js';
import { FirstAdmin } from '../../shared/views.js';
import type { Ctx } from '../services/context.js';
import { assertSetUp, createFirstAdmin } from '../services/setup.js';
import { answers } from './answers.js';

const GATED = ['/api/auth/', '/api/portal/', '/api/console/', '/api/admin/'];

/** onRequest hook for the whole app. */
export function setupGate(ctx: Ctx) {
  return async (req: FastifyRequest) => {
    if (GATED.some((p) => req.url.startsWith(p))) await assertSetUp(ctx.db);
  };
}

export const setupRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post('/admin', { schema: { body: SetupAdminBody, tags: ['setup'], response: answers(FirstAdmin, 201) } }, async (req, reply) => {
    const admin = await createFirstAdmin(ctx.db, ctx.limits, req.body, req.ip, ctx.now());
    return reply.status(201).send(admin);
  });
};
