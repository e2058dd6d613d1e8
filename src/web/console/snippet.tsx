/**
 * A search snippet: the server marks matches with \u0002…\u0003 (never HTML). The text is split on
 * those marks and each match wrapped in <mark>, all as React text.
 */
export function splitMarks(text: string): { t: string; hit: boolean }[] {
  const parts: { t: string; hit: boolean }[] = [];
  let hit = false;
  let buf = '';
  for (const ch of text) {
    if (ch === '\u0002' || ch === '\u0003') {
      if (buf) parts.push({ t: buf, hit });
      buf = '';
      hit = ch === '\u0002';
    } else buf += ch;
  }
  if (buf) parts.push({ t: buf, hit });
  return parts;
}

export function Snippet({ text }: { text: string }) {
  return <span className="snippet">{splitMarks(text).map((p, i) => (p.hit ? <mark key={i}>{p.t}</mark> : <span key={i}>{p.t}</span>))}</span>;
}
