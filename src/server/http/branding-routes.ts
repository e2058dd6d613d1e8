/**
 * The provider's branding. Reading it is public (the login pages show the name and logo); the
 * admin routes that change it are in admin/routes.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../services/context.js';
import { getBranding, logoFile } from '../services/branding.js';
import { answers, FileDownload } from './answers.js';
import { Branding } from '../../shared/views.js';

export const brandingRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['branding'];
  app.get('/', { schema: { tags, response: answers(Branding) } }, async (_req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    return getBranding(ctx.db);
  });
  // Served with its stored type (only PNG, JPEG or WebP are ever stored) and nosniff (helmet).
  // Under the URL with the logo's hash it never changes, so browsers may keep it.
  app.get('/logo', { schema: { tags, querystring: z.object({ v: z.string().max(64).optional() }), response: answers(FileDownload) } }, async (req, reply) => {
    const logo = await logoFile(ctx.db);
    reply.header('Cache-Control', req.query.v === logo.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('Content-Disposition', 'inline; filename="logo"');
    return (reply as FastifyReply).type(logo.contentType).send(logo.content);
  });
};
