/**
 * The node's metrics in Prometheus format (prom-client), one registry per server. What each
 * series means is in docs/operations.md; the names are part of the operator's contract.
 *
 * Live figures (connections, Redis link, database pool) are read when scraped, from sources the
 * server sets once its parts have started.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type MetricSources = {
  connections?: () => { portal: number; console: number };
  /** Set through trackRedis, only when Redis is configured. */
  redisUp?: () => boolean;
  /** Undefined on SQLite (one connection, no pool). */
  pool?: () => { total: number; idle: number; waiting: number };
};

export type Metrics = ReturnType<typeof createMetrics>;

/** Latency buckets, seconds: 1 ms to 10 s. */
const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics() {
  const registry = new Registry();
  const sources: MetricSources = {};
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  new Gauge({
    name: 'helpdesk_connections',
    help: 'Socket.IO connections to this node, per side (portal users, techs)',
    labelNames: ['side'] as const,
    registers: [registry],
    collect() {
      const c = sources.connections?.() ?? { portal: 0, console: 0 };
      this.set({ side: 'portal' }, c.portal);
      this.set({ side: 'console' }, c.console);
    },
  });
  new Gauge({
    name: 'helpdesk_db_pool_connections',
    help: 'PostgreSQL pool of this node: connections by state (total, idle) and queries waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const p = sources.pool?.();
      if (!p) return;
      this.set({ state: 'total' }, p.total);
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });

  return {
    registry,
    sources,
    /** Reports the Redis link's state from now on (a node without Redis has no such series). */
    trackRedis(isUp: () => boolean) {
      const first = !sources.redisUp;
      sources.redisUp = isUp;
      if (first)
        new Gauge({
          name: 'helpdesk_redis_up',
          help: 'Redis link of this node: 1 connected, 0 lost (only when Redis is configured)',
          registers: [registry],
          collect() {
            this.set(sources.redisUp?.() ? 1 : 0);
          },
        });
    },
    messagesPersisted: new Counter({ name: 'helpdesk_messages_persisted_total', help: 'Chat messages stored by this node', registers: [registry] }),
    messageBatchSize: new Histogram({
      name: 'helpdesk_message_batch_size',
      help: 'Message sends written together in one transaction (services/message-batches.ts)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
      registers: [registry],
    }),
    messageDelivery: new Histogram({
      name: 'helpdesk_message_delivery_seconds',
      help: 'From a message being stored (its created time) to its emit to the chat by this node',
      buckets: LATENCY,
      registers: [registry],
    }),
    alertDelivery: new Histogram({
      name: 'helpdesk_alert_delivery_seconds',
      help: 'From the commit that alerts techs (a request, or an escalation claimed) to the emit of the alert',
      labelNames: ['stage'] as const,
      buckets: LATENCY,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'helpdesk_http_request_duration_seconds',
      help: 'HTTP requests by method, route (the route pattern, not the path) and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY,
      registers: [registry],
    }),
    timersDue: new Counter({
      name: 'helpdesk_timers_due_total',
      help: 'Deadlines (alert escalation, wait offer, disconnect grace, transfer answer) found due by this node, claimed or not',
      labelNames: ['timer'] as const,
      registers: [registry],
    }),
    timersFired: new Counter({
      name: 'helpdesk_timers_fired_total',
      help: 'Deadlines this node claimed and acted on (each fires on exactly one node)',
      labelNames: ['timer'] as const,
      registers: [registry],
    }),
  };
}
