import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../http/accept-encoding.js';
import type { CompletedChatRow } from '../db/repositories/chats.js';
import { PART_MARKS } from '../db/snippet.js';
import { searchResults, searchResultsJson, type PageRows } from './search-results.js';

const row = (id: number, extra: Record<string, unknown> = {}): CompletedChatRow =>
  ({
    id,
    subject: `Chat ${id}`,
    board_id: 1,
    board_name: 'Help',
    company_id: 2,
    company_name: 'Acme',
    requester_id: 3,
    requester_name: 'Rita',
    tech_id: 4,
    tech_name: 'Ben',
    co_techs: JSON.stringify([{ id: 5, name: 'Cat' }]),
    outcome: 'ended',
    ticket_id: null,
    created_ticket_id: 77,
    requested_at: 1_700_000_000_000,
    completed_at: 1_700_000_600_000,
    callback_at: null,
    abandoned_at: null,
    abandon_reason: null,
    rating: 5,
    rating_comment: 'fast',
    rated_at: 1_700_000_700_000,
    ...extra,
  }) as unknown as CompletedChatRow;

describe('search results', () => {
  it('keep the page order, leave out a chat erased between the reads, and say where each snippet is', () => {
    const page: PageRows = {
      ids: [3, 1, 2],
      rows: [row(1), row(3)],
      snippets: [
        { id: 1, snippet: `${PART_MARKS.note}a \u0002pr\u0003inter note` },
        { id: 3, snippet: null },
      ],
    };
    const out = searchResults(page);
    expect(out.map((r) => r.id)).toEqual([3, 1]);
    expect(out[1]).toMatchObject({ snippet: 'a \u0002pr\u0003inter note', snippetIn: 'note', createdTicketId: 77, completedAt: '2023-11-14T22:23:20.000Z' });
    expect(out[1].techs).toEqual([
      { id: 4, name: 'Ben' },
      { id: 5, name: 'Cat' },
    ]);
    expect(out[0]).toMatchObject({ snippet: null, snippetIn: null });
    expect(searchResults({ ...page, snippets: null }).every((r) => r.snippet === null)).toBe(true);
  });

  it('as JSON, plain or gzipped: the same results, checked against the schema (a wrong type is refused)', () => {
    const page: PageRows = { ids: [1], rows: [row(1)], snippets: [{ id: 1, snippet: `${PART_MARKS.message}…x \u0002printer\u0003…` }] };
    const expected = JSON.parse(JSON.stringify(searchResults(page)));
    const plain = searchResultsJson(page, false);
    const zipped = searchResultsJson(page, true);
    expect([plain.gzip, zipped.gzip]).toEqual([false, true]);
    for (const { bytes } of [plain, zipped]) {
      // Its own buffer, whole: it can be handed to the event loop's thread.
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
    expect(JSON.parse(new TextDecoder().decode(plain.bytes))).toEqual(expected);
    expect(JSON.parse(gunzipSync(zipped.bytes).toString('utf8'))).toEqual(expected);
    expect(() => searchResultsJson({ ...page, rows: [row(1, { subject: 42 })] }, false)).toThrow();
  });

  it('are gzipped for a request whose Accept-Encoding takes gzip', () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('br;q=1.0, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('deflate, br')).toBe(false);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('gzip;q=0.0')).toBe(false);
    expect(acceptsGzip('*;q=0')).toBe(false);
    expect(acceptsGzip('x-gzip')).toBe(true);
    expect(acceptsGzip('xgzip')).toBe(false);
  });
});
