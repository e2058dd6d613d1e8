/**
 * Where Prometheus reads the metrics: on the main port at /metrics with `Authorization: Bearer
 * <METRICS_TOKEN>`, and/or on a listener of its own (METRICS_PORT, METRICS_HOST) meant for the
 * monitoring network only. With neither configured, /metrics does not exist.
 */
import crypto from 'node:crypto';
import { http } from '../node-http.js';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

const sameToken = (given: string, expected: string) => {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
};

export function metricsRoute(app: FastifyInstance, metrics: Metrics, token: string | null) {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!token) return reply.status(404).send({ error: { code: 'not_found', message: 'No such endpoint' } });
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!given || !sameToken(given, token)) {
      return reply
        .status(401)
        .header('WWW-Authenticate', 'Bearer')
        .send({ error: { code: 'unauthenticated', message: 'The metrics need the metrics token' } });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

export async function startMetricsListener(metrics: Metrics, host: string, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics failed\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${actual}/metrics`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
