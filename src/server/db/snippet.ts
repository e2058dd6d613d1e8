/**
 * Search snippets (db/repositories/search.ts), cut from a chat's search document: on SQLite by the
 * search reader's thread (db/search-reader-worker.ts), so that cutting them stays off the event loop.
 */

/** Marks around matched words in snippets; never HTML, so the client renders them as text. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/**
 * Marks at the start of each part of a chat's search document (services/search.ts), saying what
 * follows: the subject, a message or a tech's note. Control characters: never in user text (the
 * schemas drop them), and neither engine indexes them.
 */
export const PART_MARKS = { subject: '\u0001', message: '\u0004', note: '\u0005' } as const;
export type SnippetPart = keyof typeof PART_MARKS;

/**
 * The snippet FTS5 gives: about `tokens` words of the body around the first matched word, every
 * matched word (a prefix of it given) between the highlight marks (HIGHLIGHT_START, HIGHLIGHT_END),
 * '…' where text was cut. Words are letters and digits only, lower case. When the document has
 * part marks (PART_MARKS), the snippet starts with the mark of the part the first match is in, and
 * holds text of that part only.
 */
export function snippetOf(document: string, words: string[], tokens = 16): string | null {
  const start = '\u0002';
  const end = '\u0003';
  // Where each part begins in the text without its marks.
  const parts: [number, string][] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the part marks are control characters on purpose
  const body = document.replace(/[\u0001\u0004\u0005]/g, (mark: string, at: number) => {
    parts.push([at - parts.length, mark]);
    return '';
  });
  // Only the text around the first match is cut into words; that match is found by one search
  // of the body as written, or, failing that, of it folded.
  let near = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})`, 'iu').exec(body)?.index;
  let base = 0;
  if (near !== undefined && near > 300) {
    const from = near - 200;
    base = from + body.slice(from).search(/(?<![\p{L}\p{N}])[\p{L}\p{N}]/u);
    near -= base;
  }
  const src = base ? body.slice(base) : body;
  // Letters folded as FTS5's `unicode61 remove_diacritics 2` folds them: lower case, no accents.
  const folded = words.map((w) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
  // Past the match only a snippet's length is needed: the rest is left uncut.
  const text = near !== undefined && src.length > near + 400 ? src.slice(0, near + 400) : src;
  const found = [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => {
    const word = /^[a-z0-9]+$/i.test(m[0]) ? m[0].toLowerCase() : m[0].normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    return { at: m.index, end: m.index + m[0].length, hit: folded.some((w) => word.startsWith(w)) };
  });
  const firstHit = found.find((t) => t.hit);
  if (!firstHit) return null;
  // The snippet stays within the part its first match is in (the subject, one message, one note):
  // text of a neighbouring part would show under the wrong heading.
  const hitAt = base + firstHit.at;
  let p = -1;
  while (p + 1 < parts.length && parts[p + 1][0] <= hitAt) p++;
  // Below 0: the part began before the text cut into words (a match far into the document).
  const lo = p >= 0 ? parts[p][0] - base : -base;
  const hi = p >= 0 && p + 1 < parts.length ? parts[p + 1][0] - base : Number.POSITIVE_INFINITY;
  const inPart = found.filter((t) => t.at >= lo && t.end <= hi);
  const first = inPart.indexOf(firstHit);
  const from = Math.max(0, Math.min(first - 3, inPart.length - tokens));
  const window = inPart.slice(from, from + tokens);
  let out = from > 0 || lo < 0 ? '…' : '';
  let pos = window[0].at;
  for (const t of window) {
    out += src.slice(pos, t.at) + (t.hit ? start + src.slice(t.at, t.end) + end : src.slice(t.at, t.end));
    pos = t.end;
  }
  // Words of the part left out after the window, or the part going on past the text cut into words.
  if (from + tokens < inPart.length || (text !== src && hi > text.length)) out += '…';
  const mark = p >= 0 ? parts[p][1] : '';
  return mark + out;
}

/** A snippet and the part of the chat its first match is in (null: a document indexed before parts were marked). */
export function snippetPart(snippet: string | null): { snippet: string | null; snippetIn: SnippetPart | null } {
  if (!snippet) return { snippet, snippetIn: null };
  const kind = (Object.keys(PART_MARKS) as SnippetPart[]).find((k) => PART_MARKS[k] === snippet[0]);
  return kind ? { snippet: snippet.slice(1), snippetIn: kind } : { snippet, snippetIn: null };
}

/** Rows with `body` given `snippet` instead, when words are given (a search's bodies: `ReadQuery.snippets`). */
export function withSnippets(rows: unknown[], words: string[] | undefined): unknown[] {
  if (!words) return rows;
  return (rows as { body: string }[]).map(({ body, ...r }) => ({ ...r, snippet: snippetOf(body, words) }));
}
