/**
 * Which peers may speak for the client (TRUST_PROXY): the addresses whose `X-Forwarded-*`
 * headers are believed. The same rule Fastify applies to `req.ip` and `req.protocol`, written
 * here for the places that see a raw Node request (the Socket.IO handshake) and shared with HTTP,
 * so both decide the scheme alike. Built on Node's `net.BlockList`.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';

export type TrustProxy = boolean | string;
type Trust = (address: string | undefined) => boolean;

/** The named ranges Fastify (proxy-addr) accepts besides addresses and CIDR ranges. */
const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `255.255.0.0` -> 16; a prefix length is returned as it is. */
function prefixLength(mask: string): number {
  if (!mask.includes('.')) return Number(mask);
  return mask.split('.').reduce((n, part) => n + (Number(part) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/** An IPv4-mapped IPv6 address is its IPv4 address, as proxy-addr treats it. */
const plain = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

export function compileTrust(trust: TrustProxy): Trust {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  const list = new net.BlockList();
  for (const entry of trust
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    for (const range of NAMED[entry] ?? [entry]) {
      const [address, mask] = range.split('/');
      const type = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : null;
      if (!type) throw new Error(`TRUST_PROXY: not an address or range: ${entry}`);
      if (mask === undefined) list.addAddress(address, type);
      else list.addSubnet(address, prefixLength(mask), type);
    }
  }
  return (address) => {
    if (!address) return false;
    const a = plain(address);
    return list.check(a, net.isIPv6(a) ? 'ipv6' : 'ipv4');
  };
}

const compiled = new Map<TrustProxy, Trust>();
const trustOf = (t: TrustProxy) => compiled.get(t) ?? compiled.set(t, compileTrust(t)).get(t)!;

/**
 * The scheme the client used: the last `X-Forwarded-Proto` when the peer is a trusted proxy,
 * otherwise whether this connection is TLS. Fastify's `req.protocol` decides the same way.
 */
export function requestScheme(req: IncomingMessage, trustProxy: TrustProxy): 'http' | 'https' {
  const forwarded = req.headers['x-forwarded-proto'];
  const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  if (header && trustOf(trustProxy)(req.socket?.remoteAddress)) {
    const last = header
      .slice(header.lastIndexOf(',') + 1)
      .trim()
      .toLowerCase();
    return last === 'https' ? 'https' : 'http';
  }
  return (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http';
}
