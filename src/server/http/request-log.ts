/**
 * One JSON line per request at `info` (method, route, path, status, time, node), and the HTTP
 * latency histogram by route. The line names the route pattern and the path without its query
 * string, and no header: nothing secret (cookies, tokens, search words) reaches the log.
 */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

export function requestLog(app: FastifyInstance, metrics: Metrics, nodeId: string) {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, ms / 1000);
    const q = req.url.indexOf('?');
    req.log.info(
      {
        method: req.method,
        route,
        path: q < 0 ? req.url : req.url.slice(0, q),
        status: reply.statusCode,
        ms: Math.round(ms * 10) / 10,
        node: nodeId,
        // Which API token made it (its id, never its secret), when one did.
        ...(req.apiTokenId ? { apiToken: req.apiTokenId } : {}),
      },
      'request',
    );
  });
}
