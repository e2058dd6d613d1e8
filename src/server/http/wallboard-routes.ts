/**
 * The live wallboard (services/wallboard.ts): its figures for the asking tech's scope on the
 * console API (admins, and the techs an admin allowed; anyone else is refused with
 * `wallboard_not_allowed`), and its settings on the admin API. Live updates come over the socket
 * (`wallboard:watch`, realtime/wallboard-push.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Ctx } from '../services/context.js';
import { guardRoutes, techOf } from './session.js';
import { answers } from './answers.js';
import { mayOpenWallboard, saveWallboardSettings, wallboardFor, wallboardSettings } from '../services/wallboard.js';
import { WallboardAccess, WallboardSettings, WallboardSettingsBody, WallboardView } from '../../shared/wallboard.js';

export const wallboardConsoleRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech');
  const tags = ['console'];
  app.get('/', { schema: { tags, description: "The wallboard's figures for the asking tech's scope", response: answers(WallboardView) } }, async (req) =>
    wallboardFor(ctx, techOf(req)),
  );
  app.get('/access', { schema: { tags, description: 'Whether the asking tech may open the wallboard', response: answers(WallboardAccess) } }, async (req) => ({
    allowed: await mayOpenWallboard(ctx.db, techOf(req)),
  }));
};

export const wallboardAdminRoutes = (ctx: Ctx) => async (root: FastifyInstance) => {
  const app = root.withTypeProvider<ZodTypeProvider>();
  guardRoutes(app, ctx, 'tech', { admin: true });
  const tags = ['admin'];
  app.get('/', { schema: { tags, response: answers(WallboardSettings) } }, async () => wallboardSettings(ctx.db));
  app.put('/', { schema: { tags, body: WallboardSettingsBody, response: answers(WallboardSettings) } }, async (req) => saveWallboardSettings(ctx, req.body));
};
