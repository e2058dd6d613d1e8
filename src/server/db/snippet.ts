/**
 * Search snippets (db/repositories/search.ts), cut from a chat's search document.
 *
 * `snippetOf` is self-contained, names nothing outside itself: the SQLite search reader workers
 * run its source (db/search-reader.ts), so that cutting snippets stays off the event loop.
 */

/** Marks around matched words in snippets; never HTML, so the client renders them as text. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/**
 * The snippet FTS5 gives: about `tokens` words of the body around the first matched word, every
 * matched word (a prefix of it given) between the highlight marks (HIGHLIGHT_START, HIGHLIGHT_END),
 * '…' where text was cut. Words are letters and digits only, lower case.
 */
export function snippetOf(body: string, words: string[], tokens = 16): string | null {
  const start = '\u0002';
  const end = '\u0003';
  // Only the text around the first match is cut into words; that match is found by one search
  // of the body as written, or, failing that, of it folded.
  const near = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})`, 'iu').exec(body)?.index;
  if (near !== undefined && near > 300) {
    const cut = body.slice(near - 200);
    const at = cut.search(/(?<![\p{L}\p{N}])[\p{L}\p{N}]/u);
    const out = snippetOf(cut.slice(at), words, tokens);
    return out && (out.startsWith('…') ? out : `…${out}`);
  }
  // Letters folded as FTS5's `unicode61 remove_diacritics 2` folds them: lower case, no accents.
  // (No named inner function: a transpiler may wrap those in helpers the workers do not have.)
  const folded = words.map((w) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
  // Past the match only a snippet's length is needed: the rest is left uncut.
  const text = near !== undefined && body.length > near + 400 ? body.slice(0, near + 400) : body;
  const found = [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => {
    const word = /^[a-z0-9]+$/i.test(m[0]) ? m[0].toLowerCase() : m[0].normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    return { at: m.index, end: m.index + m[0].length, hit: folded.some((w) => word.startsWith(w)) };
  });
  const first = found.findIndex((t) => t.hit);
  if (first < 0) return null;
  const from = Math.max(0, Math.min(first - 3, found.length - tokens));
  const part = found.slice(from, from + tokens);
  let out = from > 0 ? '…' : '';
  let pos = part[0].at;
  for (const t of part) {
    out += body.slice(pos, t.at) + (t.hit ? start + body.slice(t.at, t.end) + end : body.slice(t.at, t.end));
    pos = t.end;
  }
  return from + tokens < found.length || text !== body ? `${out}…` : out;
}
