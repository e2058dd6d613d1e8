/**
 * A search's answer from the rows of its page: on a server built, checked and written as JSON by a
 * thread below the event loop (db/search-reader-worker.ts: on SQLite the reader that read the page,
 * on PostgreSQL one given the page's rows and bodies), which hands the event loop finished bytes; on
 * a command's database built on the event loop and checked against the route's schema by Fastify. Presenting,
 * checking and writing about 35 KB of JSON a search was most of the garbage a search left on the
 * event loop, and young-generation collections stop live chat too (docs/benchmarks.md, issue 15).
 * There it is gzipped too, for a client that takes it so: a tenth of the bytes for the event loop
 * to write and for a tech's network to carry.
 */
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { CompletedChatRow } from '../db/repositories/chats.js';
import { snippetPart } from '../db/snippet.js';
import { SearchResult } from '../../shared/views.js';
import { listedChat } from './listed-chat.js';

/** A page's chats and, when words were searched, their snippets (rows of `{ id, snippet }`). */
export type PageRows = { ids: number[]; rows: CompletedChatRow[]; snippets: { id: number | bigint; snippet: string | null }[] | null };

/**
 * The page's chats in the page's order, each with its snippet. A chat erased between the page's
 * reads is left out rather than shown half.
 */
export function searchResults({ ids, rows, snippets }: PageRows): SearchResult[] {
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  const cut = new Map((snippets ?? []).map((s) => [Number(s.id), s.snippet]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [{ ...listedChat(r), ...snippetPart(cut.get(id) ?? null) }] : [];
  });
}

/** The search route's answer (http/console/routes.ts), the schema it is checked against. */
export const SearchAnswerSchema = z.array(SearchResult);

/** An answer written as UTF-8 JSON, gzipped or not, in a buffer of its own (it can be handed to another thread). */
export type WrittenJson = { bytes: Uint8Array; gzip: boolean };

/** Fast rather than smallest: JSON of results shrinks about tenfold at level 1. */
const GZIP_LEVEL = 1;

/**
 * The answer as the route sends it: checked against its schema (a field of the wrong type fails,
 * one not in the schema is dropped, as Fastify's check of every other answer does) and written as
 * UTF-8 JSON, gzipped when `gzip`.
 */
export function searchResultsJson(page: PageRows, gzip: boolean): WrittenJson {
  const json = new TextEncoder().encode(JSON.stringify(SearchAnswerSchema.encode(searchResults(page))));
  // A copy: zlib may give a slice of a shared pool, which cannot be handed over.
  return gzip ? { bytes: new Uint8Array(gzipSync(json, { level: GZIP_LEVEL })), gzip } : { bytes: json, gzip };
}
