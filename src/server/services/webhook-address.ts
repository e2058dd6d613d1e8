/**
 * Where a webhook may be posted. A URL is http or https, with a host and without credentials.
 * Addresses are checked where the connection is made (the `lookup` of the request), so a name
 * that resolves to a refused address is refused even if it changed since the endpoint was saved:
 * - never: unspecified, link-local (cloud metadata at 169.254.169.254), multicast, reserved;
 * - loopback and private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): only with
 *   WEBHOOK_PRIVATE_ADDRESSES=allow, for a service desk that posts to its own PSA.
 * Redirects are never followed (a 3xx counts as a failed attempt).
 */
import dns from 'node:dns';
import { Turns } from './turns.js';
import net from 'node:net';
import { AppError } from '../errors.js';

function blockList(v4: string[], v6: string[]) {
  const list = new net.BlockList();
  for (const r of v4) list.addSubnet(r.split('/')[0], Number(r.split('/')[1]), 'ipv4');
  for (const r of v6) list.addSubnet(r.split('/')[0], Number(r.split('/')[1]), 'ipv6');
  return list;
}

const NEVER = blockList(['0.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'], ['::/128', 'fe80::/10', 'ff00::/8']);
const PRIVATE = blockList(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['::1/128', 'fc00::/7', 'fec0::/10']);

/** An IPv4 address written as IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1) as plain IPv4. */
function unmapped(address: string): string {
  const m = /^::ffff:(.+)$/i.exec(address);
  if (!m) return address;
  if (net.isIPv4(m[1])) return m[1];
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(m[1]);
  if (!hex) return address;
  const [a, b] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** Why an address may not be posted to, or null when it may. */
export function addressRefusal(address: string, privateAddresses: 'allow' | 'refuse'): string | null {
  const a = unmapped(address);
  const family = net.isIPv4(a) ? 'ipv4' : 'ipv6';
  if (NEVER.check(a, family)) return `${a} is a link-local, multicast or reserved address`;
  if (privateAddresses === 'refuse' && PRIVATE.check(a, family))
    return `${a} is a private or loopback address (allowed only with WEBHOOK_PRIVATE_ADDRESSES=allow)`;
  return null;
}

export class WebhookUrlRefused extends AppError {
  constructor(reason: string) {
    super('webhook_url_refused', reason, 400, { field: 'url' });
  }
}

/** Checks the form of an endpoint's URL (and its host when it is an address or localhost); returns it normalised. */
export function checkWebhookUrl(input: string, privateAddresses: 'allow' | 'refuse'): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new WebhookUrlRefused('That is not a web address: enter the full URL, starting with https://');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new WebhookUrlRefused('A webhook URL starts with https:// or http://');
  if (u.username || u.password) throw new WebhookUrlRefused('A webhook URL must not carry a user name or password; use the signature to authenticate');
  if (!u.hostname) throw new WebhookUrlRefused('A webhook URL needs a host');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host) ? host : /^localhost\.?$/i.test(host) || /\.localhost\.?$/i.test(host) ? '127.0.0.1' : null;
  if (literal) {
    const refused = addressRefusal(literal, privateAddresses);
    if (refused) throw new WebhookUrlRefused(`Webhooks may not be posted there: ${refused}`);
  }
  u.hash = '';
  return u.toString();
}

/**
 * Webhook names resolved at once. `dns.lookup` runs on libuv's small shared thread pool (four
 * threads), which file reads and writes also use: a receiver's slow name server could otherwise
 * hold every thread for its timeout and stall the uploads and downloads of chat files. The rest wait
 * their turn (their deliveries have their own timeout and retries).
 */
export const WEBHOOK_LOOKUPS_AT_ONCE = 2;
const lookups = new Turns(WEBHOOK_LOOKUPS_AT_ONCE);
type Resolve = (hostname: string, options: dns.LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

/**
 * A `lookup` for http.request that resolves the name and refuses the connection when any of its
 * addresses is refused, so what is checked is what is connected to. (`resolve`: tests pass a slow one.)
 */
export function guardedLookup(privateAddresses: 'allow' | 'refuse', resolve: Resolve = dns.lookup): net.LookupFunction {
  return (hostname, options, callback) => {
    const resolved = lookups.run(
      () =>
        new Promise<dns.LookupAddress[]>((ok, fail) =>
          resolve(hostname, { ...(options as dns.LookupOptions), all: true }, (err, addresses) => (err ? fail(err) : ok(addresses))),
        ),
    );
    resolved.then(
      (addresses) => answer(null, addresses),
      (err: NodeJS.ErrnoException) => answer(err, []),
    );
    function answer(err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) {
      if (err) return callback(err, '', 0);
      const list = addresses;
      for (const a of list) {
        const refused = addressRefusal(a.address, privateAddresses);
        if (refused) return callback(Object.assign(new Error(`address refused: ${refused}`), { code: 'EADDRREFUSED' }), '', 0);
      }
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as dns.LookupOptions).all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    }
  };
}

/** The URL as lists show it: query values and long path segments (tokens, as in Slack and Teams URLs) masked. */
export function maskedUrl(raw: string): string {
  try {
    const u = new URL(raw);
    const path = u.pathname
      .split('/')
      .map((seg) => (seg.length >= 16 ? `${seg.slice(0, 4)}…` : seg))
      .join('/');
    const query = [...u.searchParams.keys()].map((k) => `${k}=…`).join('&');
    return `${u.origin}${path}${query ? `?${query}` : ''}`;
  } catch {
    return '…';
  }
}
