/** A text the composer offers after "/" (a canned reply, its placeholders already filled in). */
export type Suggestion = { shortcut: string; text: string };

/**
 * The "/word" just before the cursor, at the start of the text or after a space: where it
 * starts and the word typed so far (lower case). Null when the cursor is not after one.
 */
export function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)\/([a-z0-9_-]{0,40})$/i.exec(text.slice(0, caret));
  return m ? { start: m.index + m[1].length, query: m[2].toLowerCase() } : null;
}

/**
 * A reply's text for one chat: {first_name} (the requester's), {tech_name} (the tech's own),
 * {company} (the requester's company). Anything else in braces stays as written.
 */
export function fillPlaceholders(body: string, values: { firstName: string; techName: string; company: string }): string {
  const map: Record<string, string> = { first_name: values.firstName, tech_name: values.techName, company: values.company };
  return body.replace(/\{(first_name|tech_name|company)\}/g, (_, k: string) => map[k]);
}
