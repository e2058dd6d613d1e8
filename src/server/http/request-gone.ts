import type { FastifyReply } from 'fastify';
import { RequestGone } from '../errors.js';

/**
 * A signal aborted (with RequestGone) when the request's connection closes before its answer was
 * sent, so work queued for it can be dropped (services/search.ts: a search waiting for its turn).
 */
export function requestGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  const res = reply.raw;
  // Gone before the handler asked (while the session was checked): its 'close' has been and gone.
  if (res.destroyed && !res.writableEnded) gone.abort(new RequestGone());
  else
    res.once('close', () => {
      if (!res.writableEnded) gone.abort(new RequestGone());
    });
  return gone.signal;
}
