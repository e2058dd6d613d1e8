import pino from 'pino';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrations.js';
import { EventBus } from './events/bus.js';
import { buildApp } from './http/app.js';
import type { Ctx, Presence } from './services/context.js';
import { startTimerSweeper } from './services/timers.js';
import { seedDemo } from './seed.js';
import { createLimits } from './services/rate-limit.js';
import { startRealtime, type Realtime } from './realtime/gateway.js';

export type RunningServer = { url: string; port: number; ctx: Ctx; realtime: Realtime; seeded: boolean; close: () => Promise<void> };

/** Composition root: config -> db -> services -> http + realtime -> timers. */
export async function startServer(config: Config, opts: { logger?: boolean } = {}): Promise<RunningServer> {
  const log = pino({ level: opts.logger === false ? 'silent' : config.logLevel });
  const handle = openDatabase({ ...config, onBackgroundError: (err) => log.error({ err }, 'WAL checkpoint worker failed; the server copies the log back itself') });
  await migrate(handle.db, handle.dialect);
  const seeded = config.seedDemo ? await seedDemo(handle.db) : false;
  const bus = new EventBus((err, name) => log.error({ err, event: name }, 'event listener failed'));
  // Replaced by the realtime layer's cluster-wide view once it starts.
  const presence: Presence = { isTechOnline: async () => false, isPortalOnline: async () => false };
  const ctx: Ctx = { db: handle.db, dialect: handle.dialect, bus, config, presence, now: () => Date.now(), limits: createLimits() };
  const app = await buildApp(ctx, { logger: opts.logger === false ? false : { level: config.logLevel } });
  const realtime = await startRealtime(ctx, app.server, log);
  ctx.presence = realtime.presence;
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const stopTimers = startTimerSweeper(ctx, (err) => log.error({ err }, 'timer sweep failed'));
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    ctx,
    realtime,
    seeded,
    close: async () => {
      stopTimers();
      await realtime.close();
      await app.close();
      await handle.close();
    },
  };
}
