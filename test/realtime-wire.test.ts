/**
 * The splicing encoder (src/server/realtime/wire.ts): a marked message view is turned into JSON
 * once, whatever number of packets carry it, and every packet is byte for byte what the stock
 * Socket.IO encoder writes, so the stock decoder reads it back.
 */
import { describe, expect, it } from 'vitest';
import * as stock from 'socket.io-parser';
import { encodeOnce, wireParser } from '../src/server/realtime/wire.js';

const view = () => ({
  id: 41,
  chatId: 7,
  seq: 3,
  body: 'Quotes " and \\ backslashes, </script>, emoji 🖨️, line\nbreak, \u2028 and \u0000',
  author: { kind: 'portal', id: 5, name: 'Ünïcode Üser' },
  clientId: null,
  createdAt: '2026-12-02T07:00:00.000Z',
});

const packets = (payload: object): stock.Packet[] => [
  { type: stock.PacketType.EVENT, nsp: '/portal', data: ['message', payload] },
  { type: stock.PacketType.EVENT, nsp: '/console', data: ['message', payload] },
  { type: stock.PacketType.ACK, nsp: '/portal', id: 12, data: [{ ok: true, message: payload, duplicate: false, skipped: undefined }] },
  { type: stock.PacketType.EVENT, nsp: '/', data: ['message', payload] },
];

function decode(text: string): stock.Packet {
  const decoder = new stock.Decoder();
  let out: stock.Packet | null = null;
  decoder.on('decoded', (p: stock.Packet) => (out = p));
  decoder.add(text);
  return out!;
}

describe('one encode per delivered message', () => {
  it('writes exactly what the stock encoder writes, for marked and unmarked payloads', () => {
    const ours = new wireParser.Encoder();
    const theirs = new stock.Encoder();
    const marked = view();
    encodeOnce(marked);
    for (const payload of [marked, view()]) {
      for (const p of packets(payload)) {
        const text = ours.encode(p);
        expect(text).toEqual(theirs.encode(p));
        expect(decode(text[0]).data).toEqual(JSON.parse(JSON.stringify(p.data)));
      }
    }
    // Other packets are the stock encoder's own work.
    const other: stock.Packet = { type: stock.PacketType.EVENT, nsp: '/console', data: ['chat', { id: 1, subject: 'x' }] };
    expect(ours.encode(other)).toEqual(theirs.encode(other));
  });

  it('turns a marked view into JSON once for both namespaces and the ack; an unmarked one each time', () => {
    // A member that counts how often it is turned into JSON.
    const counted = (calls: { n: number }) => ({ ...view(), author: { toJSON: () => (calls.n++, { kind: 'tech', id: 1, name: 'T' }) } });
    const encoder = new wireParser.Encoder();
    const once = { n: 0 };
    const marked = counted(once);
    encodeOnce(marked);
    for (const p of packets(marked)) encoder.encode(p);
    expect(once.n).toBe(1);
    const each = { n: 0 };
    for (const p of packets(counted(each))) encoder.encode(p);
    // The stock encoder also looks for binary data first, which turns it into JSON once more.
    expect(each.n).toBeGreaterThanOrEqual(packets({}).length);
  });
});

describe('the Redis the cluster needs', () => {
  it('is version 7 or later (sharded pub/sub)', async () => {
    const { supportsShardedPubSub } = await import('../src/server/realtime/redis-link.js');
    expect(supportsShardedPubSub('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n')).toBe(true);
    expect(supportsShardedPubSub('# Server\r\nredis_version:8.2.1\r\n')).toBe(true);
    expect(supportsShardedPubSub('# Server\r\nredis_version:6.2.14\r\n')).toBe(false);
    expect(supportsShardedPubSub('# Server\r\n')).toBe(false);
  });
});
