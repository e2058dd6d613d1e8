/**
 * A browser request is allowed when it carries no Origin (same-origin GETs, non-browser clients,
 * which SameSite cookies already cover), when the Origin is one of ALLOWED_ORIGINS, or when it
 * names exactly the scheme, host and port the request was sent to: `https://host` is not the
 * origin of a page served over `http://host`, and the reverse.
 */
import type { IncomingMessage } from 'node:http';
import { requestScheme, type TrustProxy } from './proxy-trust.js';

export function originAllowed(origin: string | undefined, host: string | undefined, scheme: 'http' | 'https', allowed: string[]): boolean {
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  if (!host) return false;
  try {
    const from = new URL(origin);
    // Parsed the same way, so a default port written out (`host:80`) compares equal to none.
    const self = new URL(`${scheme}://${host}`);
    return from.protocol === self.protocol && from.host === self.host;
  } catch {
    return false;
  }
}

/** The check for one raw request, HTTP and socket handshake alike. */
export function requestOriginAllowed(req: IncomingMessage, trustProxy: TrustProxy, allowed: string[]): boolean {
  return originAllowed(req.headers.origin, req.headers.host, requestScheme(req, trustProxy), allowed);
}
