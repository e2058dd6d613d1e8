/**
 * What a chat message's text may show besides plain text (SPEC Part 2, "Text"): links whose
 * address is http, https or mailto; `inline code` and ``` fenced blocks ``` in a fixed-width
 * font. Nothing else is interpreted: no HTML, no other markup. The parts are plain data; the
 * React side (rich-text-view.tsx) renders every one of them as text.
 */

export type RichPart =
  | { kind: 'text'; text: string }
  | { kind: 'link'; href: string; label: string }
  | { kind: 'code'; text: string }
  | { kind: 'block'; text: string };

/** Fenced blocks: ``` at a line start, an optional language word, the block, ``` again. */
const FENCE = /(^|\n)```[^\n`]*\n([\s\S]*?)\n?```(?=\n|$)/g;
/** Inline code: between single backticks on one line, not starting or ending with a space. */
const INLINE = /`([^`\s](?:[^`\n]*[^`\s])?)`/g;
/** Where a link may start: http://, https:// or mailto: (any case), not inside a word. */
const LINK_START = /(?<![\p{L}\p{N}_])(?:https?:\/\/|mailto:)[^\s<>"'`]+/giu;
/** Punctuation that ends a sentence rather than the address. */
const TRAILING = /[.,;:!?'"»”’]+$/u;

export function parseMessage(text: string): RichPart[] {
  const parts: RichPart[] = [];
  let at = 0;
  for (const m of text.matchAll(FENCE)) {
    const start = m.index + m[1].length;
    if (start > at) inline(text.slice(at, start), parts);
    parts.push({ kind: 'block', text: m[2] });
    at = m.index + m[0].length;
  }
  if (at < text.length) inline(text.slice(at), parts);
  return merge(parts);
}

function inline(text: string, out: RichPart[]) {
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > at) links(text.slice(at, m.index), out);
    out.push({ kind: 'code', text: m[1] });
    at = m.index + m[0].length;
  }
  if (at < text.length) links(text.slice(at), out);
}

function links(text: string, out: RichPart[]) {
  let at = 0;
  for (const m of text.matchAll(LINK_START)) {
    let raw = m[0];
    // A closing bracket ends the address unless the address opened one ("…/Foo_(bar)").
    while (raw.endsWith(')') && count(raw, '(') < count(raw, ')')) raw = raw.slice(0, -1);
    raw = raw.replace(TRAILING, '');
    const link = safeLink(raw);
    if (!link) continue;
    if (m.index > at) out.push({ kind: 'text', text: text.slice(at, m.index) });
    out.push(link);
    at = m.index + raw.length;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
}

const count = (s: string, ch: string) => s.split(ch).length - 1;

/**
 * A link only when the address parses with an allowed scheme and (for http and https) a host.
 * The href is the parsed, normalised form (a host in another script becomes its punycode); when
 * that host differs from what was typed, the label shows the normalised address too, so a
 * look-alike domain cannot pass for the real one.
 */
export function safeLink(raw: string): RichPart | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === 'mailto:') {
    if (!/^mailto:[^@\s]+@[^@\s]+$/i.test(raw)) return null;
    return { kind: 'link', href: url.href, label: raw };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname || url.username || url.password) return null;
  const typedHost = raw
    .replace(/^https?:\/\//i, '')
    .split(/[/?#:]/)[0]
    .toLowerCase();
  const label = typedHost === url.hostname ? raw : url.href;
  return { kind: 'link', href: url.href, label };
}

function merge(parts: RichPart[]): RichPart[] {
  const out: RichPart[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (p.kind === 'text' && last?.kind === 'text') last.text += p.text;
    else out.push(p);
  }
  return out;
}
