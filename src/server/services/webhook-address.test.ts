import type dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup, WEBHOOK_LOOKUPS_AT_ONCE } from './webhook-address.js';

type Answer = { err: NodeJS.ErrnoException | null; address?: string | dns.LookupAddress[]; family?: number };

/** Runs the guarded lookup once, as http.request calls it (one address). */
const lookUp = (lookup: ReturnType<typeof guardedLookup>, host: string) =>
  new Promise<Answer>((resolve) => lookup(host, { family: 0 }, (err, address, family) => resolve({ err, address, family })));

describe('webhook name lookups', () => {
  it(`resolve at most ${WEBHOOK_LOOKUPS_AT_ONCE} names at once, so a slow name server cannot take the whole shared thread pool`, async () => {
    let running = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    // A name server that answers only when told.
    const slow = (_host: string, _o: dns.LookupAllOptions, cb: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) => {
      running++;
      most = Math.max(most, running);
      pending.push(() => {
        running--;
        cb(null, [{ address: '93.184.216.34', family: 4 }]);
      });
    };
    const lookup = guardedLookup('refuse', slow);
    const all = Array.from({ length: 6 }, (_, i) => lookUp(lookup, `hook${i}.example.test`));
    await new Promise((r) => setTimeout(r, 20));
    expect(running).toBe(WEBHOOK_LOOKUPS_AT_ONCE);
    while (pending.length || running) {
      pending.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    const answers = await Promise.all(all);
    expect(most).toBe(WEBHOOK_LOOKUPS_AT_ONCE);
    expect(answers.map((a) => [a.err, a.address])).toEqual(Array.from({ length: 6 }, () => [null, '93.184.216.34']));
  });

  it('still refuses a name whose address is private, and passes on a failed lookup', async () => {
    const to = (address: string) => (_h: string, _o: dns.LookupAllOptions, cb: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) =>
      cb(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
    expect((await lookUp(guardedLookup('refuse', to('10.0.0.5')), 'inside.example.test')).err).toMatchObject({ code: 'EADDRREFUSED' });
    expect((await lookUp(guardedLookup('refuse', to('169.254.169.254')), 'metadata.example.test')).err).toMatchObject({ code: 'EADDRREFUSED' });
    expect((await lookUp(guardedLookup('allow', to('10.0.0.5')), 'inside.example.test')).address).toBe('10.0.0.5');
    const failing = (_h: string, _o: dns.LookupAllOptions, cb: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) =>
      cb(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }), []);
    expect((await lookUp(guardedLookup('refuse', failing), 'nowhere.example.test')).err).toMatchObject({ code: 'ENOTFOUND' });
  });
});
