/**
 * The message path reads nothing when no webhook endpoint exists (services/webhook-events.ts):
 * "none" is remembered for a second, so a batch of sends does not ask the database each time; an
 * endpoint made on this node is seen by the very next transaction.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Tx } from '../src/server/db/database.js';
import { Outbox } from '../src/server/events/bus.js';
import { queueWebhooks } from '../src/server/services/webhook-events.js';
import { createWebhook } from '../src/server/services/webhooks.js';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';

describe.each(DIALECTS)('webhook endpoints looked up on %s', (kind) => {
  let s: TestServer;
  afterAll(async () => s?.stop());

  /** The server's database, counting what reads the endpoints table. */
  function counting(db: Tx) {
    const reads = { n: 0 };
    const proxy = new Proxy(db, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === 'selectFrom')
          return (table: string) => {
            if (table === 'webhook_endpoints') reads.n++;
            return (v as (t: string) => unknown).call(target, table);
          };
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return { trx: proxy as Tx, reads };
  }

  it('asks once while there are none, then at once again after one is made', async () => {
    s = await startTestServer(kind, { WEBHOOK_PRIVATE_ADDRESSES: 'allow' });
    const outbox = new Outbox();
    outbox.add('message.created', { chatId: 1, messageId: 1, seq: 1 } as never);
    const { trx, reads } = counting(s.ctx.db);
    for (let i = 0; i < 5; i++) await queueWebhooks(s.ctx, trx, outbox);
    expect(reads.n).toBe(1);
    await createWebhook(s.ctx, { url: 'http://127.0.0.1:9/hook', description: '', events: ['chat.requested'], format: 'standard' } as never);
    await queueWebhooks(s.ctx, trx, outbox);
    expect(reads.n).toBe(2);
    // With an endpoint, each transaction reads them (it needs them to write its deliveries).
    await queueWebhooks(s.ctx, trx, outbox);
    expect(reads.n).toBe(3);
  });
});
