/**
 * The one-row-per-chat export of a report (docs/metrics.md): CSV, or JSON lines, streamed page by
 * page (keyset on request time and chat id), so it has no row cap and its memory stays flat. Its
 * rows are exactly the chats the summary counts under the same filters, and it carries every
 * duration both raw and in business hours.
 */
import type { Db } from '../db/database.js';
import { localClock } from '../domain/report-buckets.js';
import { chatPage, type ChatMeasures, type Scope } from './reports.js';

const PAGE = 2000;

/** The columns, in order: the header of the CSV and the keys of each JSON line. */
const COLUMNS = [
  'chat_id',
  'requested_at',
  'requested_day',
  'requested_hour',
  'company',
  'board',
  'tech',
  'outcome',
  'subject',
  'time_to_join_ms',
  'time_to_join_business_ms',
  'first_response_ms',
  'first_response_business_ms',
  'handle_ms',
  'handle_business_ms',
  'abandon_wait_ms',
  'abandon_wait_business_ms',
  'messages',
  'transfers',
  'rating',
  'callback_completed',
] as const;
type ExportRow = Record<(typeof COLUMNS)[number], string | number | boolean | null>;

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function exportRow(r: ChatMeasures, clock: ReturnType<typeof localClock>): ExportRow {
  const at = Number(r.requested_at);
  const local = clock(at);
  return {
    chat_id: Number(r.chat_id),
    requested_at: new Date(at).toISOString(),
    requested_day: local.day,
    requested_hour: local.hour,
    company: String(r.company),
    board: String(r.board),
    tech: r.tech === null || r.tech === undefined ? null : String(r.tech),
    outcome: String(r.disposition),
    subject: String(r.subject),
    time_to_join_ms: n(r.join_ms),
    time_to_join_business_ms: n(r.join_bh_ms),
    first_response_ms: n(r.first_response_ms),
    first_response_business_ms: n(r.first_response_bh_ms),
    handle_ms: n(r.handle_ms),
    handle_business_ms: n(r.handle_bh_ms),
    abandon_wait_ms: n(r.abandon_wait_ms),
    abandon_wait_business_ms: n(r.abandon_wait_bh_ms),
    messages: n(r.messages),
    transfers: Number(r.transfers ?? 0),
    rating: n(r.rating),
    callback_completed: r.disposition === 'callback' ? r.callback_completed_at !== null : null,
  };
}

/**
 * A cell a spreadsheet will not run: text starting with = + - @, a tab or a carriage return gets a
 * leading apostrophe; then quoted when it holds a comma, a quote or a line break.
 */
export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function* rows(db: Db, s: Scope): AsyncGenerator<ExportRow> {
  const clock = localClock(s.tz);
  let after: [number, number] | undefined;
  for (;;) {
    const page = await chatPage(db, s, PAGE, after);
    for (const r of page) yield exportRow(r, clock);
    if (page.length < PAGE) return;
    const last = page[page.length - 1];
    after = [Number(last.requested_at), Number(last.chat_id)];
  }
}

/** The CSV, a page of rows per chunk (UTF-8 with a byte-order mark, for spreadsheets). */
export async function* exportCsv(db: Db, s: Scope): AsyncGenerator<string> {
  yield `\uFEFF${COLUMNS.join(',')}\r\n`;
  let chunk = '';
  let count = 0;
  for await (const r of rows(db, s)) {
    chunk += `${COLUMNS.map((c) => csvCell(r[c])).join(',')}\r\n`;
    if (++count % 500 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The same rows as JSON lines (one object per line). */
export async function* exportJsonLines(db: Db, s: Scope): AsyncGenerator<string> {
  let chunk = '';
  let count = 0;
  for await (const r of rows(db, s)) {
    chunk += `${JSON.stringify(r)}\n`;
    if (++count % 500 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
