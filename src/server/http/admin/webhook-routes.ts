/** Webhook endpoints and their delivery log (services/webhooks.ts): admins only, like every admin route. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EmptyBody, IdParam } from '../../../shared/schemas.js';
import {
  WebhookBody,
  WebhookDeliveries,
  WebhookDeliveryParams,
  WebhookEndpointView,
  WebhookList,
  WebhookPatch,
  WebhookSecret,
} from '../../../shared/webhooks.js';
import * as V from '../../../shared/views.js';
import type { Ctx } from '../../services/context.js';
import * as hooks from '../../services/webhooks.js';
import { answers } from '../answers.js';
import { guardRoutes, techOf } from '../session.js';

export const webhookRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech', { admin: true });
  const tags = ['admin', 'webhooks'];

  app.get('/', { schema: { tags, response: answers(WebhookList) } }, async () => hooks.listWebhooks(ctx));
  app.post(
    '/',
    {
      schema: {
        tags,
        description: 'Registers an endpoint; the answer carries its signing secret, shown this once.',
        body: WebhookBody,
        response: answers(WebhookSecret, 201),
      },
    },
    async (req, reply) => {
      reply.status(201);
      return hooks.createWebhook(ctx, req.body);
    },
  );
  app.patch('/:id', { schema: { tags, params: IdParam, body: WebhookPatch, response: answers(WebhookEndpointView) } }, async (req) =>
    hooks.updateWebhook(ctx, req.params.id, req.body),
  );
  app.delete('/:id', { schema: { tags, params: IdParam, response: answers(V.Created) } }, async (req) => {
    await hooks.deleteWebhook(ctx, req.params.id);
    return { id: req.params.id };
  });
  app.post(
    '/:id/rotate-secret',
    {
      schema: {
        tags,
        description: 'A new signing secret, shown this once; the old one stops at once.',
        params: IdParam,
        body: EmptyBody,
        response: answers(WebhookSecret),
      },
    },
    async (req) => hooks.rotateSecret(ctx, req.params.id),
  );
  app.post('/:id/pause', { schema: { tags, params: IdParam, body: EmptyBody, response: answers(WebhookEndpointView) } }, async (req) =>
    hooks.pauseWebhook(ctx, req.params.id, techOf(req).name),
  );
  app.post(
    '/:id/resume',
    {
      schema: {
        tags,
        description: 'Delivers again; what was held in the last day is sent.',
        params: IdParam,
        body: EmptyBody,
        response: answers(WebhookEndpointView),
      },
    },
    async (req) => hooks.resumeWebhook(ctx, req.params.id),
  );
  app.get(
    '/:id/deliveries',
    { schema: { tags, description: 'The newest 100 deliveries with every attempt.', params: IdParam, response: answers(WebhookDeliveries) } },
    async (req) => hooks.listDeliveries(ctx, req.params.id),
  );
  app.post(
    '/:id/deliveries/:deliveryId/resend',
    {
      schema: {
        tags,
        description: 'Sends the delivery again with the same webhook-id.',
        params: WebhookDeliveryParams,
        body: EmptyBody,
        response: answers(z.object({ ok: z.literal(true) })),
      },
    },
    async (req) => {
      await hooks.resendDelivery(ctx, req.params.id, req.params.deliveryId);
      return { ok: true as const };
    },
  );
};
