/**
 * The website widget's public side (services/widget.ts): the launcher script and the framed
 * Client Portal. The frame's pages are the portal's own, served under `/widget/<key>/` with a
 * Content-Security-Policy whose `frame-ancestors` lists the company's origins, so a browser
 * shows the chat only inside those sites; an unknown key gets the ordinary refusal to be framed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../services/context.js';
import { frameOrigins } from '../services/widget.js';
import { WIDGET_SCRIPT } from './widget-script.js';

export const widgetRoutes = (ctx: Ctx, sendPortal: (req: FastifyRequest, reply: FastifyReply) => unknown) => async (app: FastifyInstance) => {
  app.get('/widget.js', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      // Any site of the company's may load it; it holds nothing secret.
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', 'public, max-age=300')
      .send(WIDGET_SCRIPT),
  );
  const frame = async (req: FastifyRequest<{ Params: { key: string } }>, reply: FastifyReply) => {
    const origins = await frameOrigins(ctx.db, req.params.key);
    if (!origins) return reply.status(404).type('text/plain').send('No such chat widget');
    const csp = String(reply.getHeader('content-security-policy') ?? '');
    reply.header('content-security-policy', csp.replace(/frame-ancestors [^;]*/, `frame-ancestors ${origins.join(' ')}`));
    reply.removeHeader('x-frame-options');
    return sendPortal(req, reply);
  };
  app.get('/widget/:key', { schema: { hide: true } }, frame);
  app.get('/widget/:key/*', { schema: { hide: true } }, frame);
};
