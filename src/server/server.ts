import pino from 'pino';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrations.js';
import { EventBus } from './events/bus.js';
import { buildApp } from './http/app.js';
import type { Ctx, Presence } from './services/context.js';
import { startTimerSweeper } from './services/timers.js';
import { prepareFirstStart, type FirstStart } from './first-start.js';
import { createLimits } from './services/limits.js';
import { startRealtime, type Realtime } from './realtime/gateway.js';
import { openRedisLink } from './realtime/redis-link.js';
import { createMetrics } from './metrics.js';
import { startRetentionSweeper } from './services/privacy.js';
import { JobRunner } from './services/jobs.js';
import { jobKinds } from './services/job-kinds.js';
import { startMetricsListener } from './http/metrics-route.js';

export type RunningServer = {
  url: string;
  port: number;
  /** The metrics' own listener (METRICS_PORT), when configured. */
  metricsUrl: string | null;
  ctx: Ctx;
  realtime: Realtime;
  /** This node's job runner (services/jobs.ts); tests drive it with runDue() and idle(). */
  jobs: JobRunner;
  close: () => Promise<void>;
} & FirstStart;

/**
 * Composition root: config -> db (migrated; demo data or setup mode on a first start) -> services
 * -> http + realtime -> timers. A start that first-start.ts refuses throws its StartRefused, before
 * the port is taken. `now` is the clock that services and the timer sweep read (tests pass one
 * they move by hand).
 */
export async function startServer(
  config: Config,
  opts: { logger?: boolean; now?: () => number; runJobs?: boolean; logStream?: pino.DestinationStream } = {},
): Promise<RunningServer> {
  // `logStream`: where the log goes instead of stdout (a test reading what the server logged).
  const log = opts.logStream ? pino({ level: config.logLevel }, opts.logStream) : pino({ level: opts.logger === false ? 'silent' : config.logLevel });
  const handle = openDatabase({
    ...config,
    onBackgroundError: (err) => log.error({ err }, 'WAL checkpoint worker failed; the server copies the log back itself'),
  });
  // What is open so far, closed in reverse if a later step fails: a server that did not start
  // holds no database, lock file, worker or port.
  const opened: (() => Promise<unknown>)[] = [() => handle.close()];
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) await close().catch((err) => log.error({ err }, 'close failed'));
  };
  let ctx: Ctx, jobs: JobRunner, realtime: Realtime | undefined, port: number, first: FirstStart, stopTimers: () => void;
  let metricsUrl: string | null = null;
  try {
    await migrate(handle.db, handle.dialect);
    first = await prepareFirstStart(handle.db, config);
    const bus = new EventBus((err, name) => log.error({ err, event: name }, 'event listener failed'));
    // Replaced by the realtime layer's cluster-wide view once it starts.
    const presence: Presence = { isTechOnline: async () => false, isPortalOnline: async () => false };
    // Live events between nodes, and the send limit's shared buckets.
    const link = config.redisUrl ? await openRedisLink(config.redisUrl, log) : null;
    if (link) opened.push(() => link.close());
    const limits = createLimits(link && { redis: link.pub, isUp: link.isUp, prefix: config.redisPrefix });
    ctx = { db: handle.db, dialect: handle.dialect, bus, config, presence, now: opts.now ?? (() => Date.now()), limits, metrics: createMetrics() };
    ctx.metrics.sources.pool = handle.poolStats;
    const appLogger = opts.logStream ? { level: config.logLevel, stream: opts.logStream } : opts.logger === false ? false : { level: config.logLevel };
    const app = await buildApp(ctx, { logger: appLogger, redisUp: () => realtime?.redisUp?.() ?? false });
    opened.push(() => app.close());
    realtime = await startRealtime(ctx, app.server, log, link);
    const rt = realtime;
    opened.push(() => rt.close());
    ctx.presence = rt.presence;
    ctx.metrics.sources.connections = rt.connections;
    if (rt.redisUp) ctx.metrics.trackRedis(rt.redisUp);
    await app.listen({ port: config.port, host: config.host });
    handle.startCheckpointsOnWrite?.();
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    if (config.metrics.port !== null) {
      const listener = await startMetricsListener(ctx.metrics, config.metrics.host, config.metrics.port);
      opened.push(() => listener.close());
      metricsUrl = listener.url;
    }
    const stopChatTimers = startTimerSweeper(ctx, (err) => log.error({ err }, 'timer sweep failed'));
    const stopRetention = startRetentionSweeper(ctx, (err) => log.error({ err }, 'retention sweep failed'));
    const runner = new JobRunner(ctx, jobKinds(ctx), { pollMs: config.timerSweepMs, leaseMs: 60_000, concurrency: 8 }, (err, job) =>
      log.error({ err, job: job && { id: job.id, kind: job.kind } }, 'job failed'),
    );
    jobs = runner;
    // Closed before realtime, HTTP and the database: the jobs under way finish first.
    opened.push(() => runner.stop());
    if (opts.runJobs !== false) runner.start();
    stopTimers = () => {
      stopChatTimers();
      stopRetention();
    };
  } catch (err) {
    await closeOpened();
    throw err;
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    metricsUrl,
    ctx,
    realtime: realtime!,
    jobs: jobs!,
    ...first,
    close: async () => {
      stopTimers();
      // Realtime, then the HTTP server, then the database, each even if an earlier one failed.
      await closeOpened();
    },
  };
}
