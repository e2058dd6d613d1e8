/**
 * Search snippets (snippet.ts): the words around the first match, highlighted, cut with '…', and
 * within the part of the chat that match is in (the subject, one message, one note).
 */
import { describe, expect, it } from 'vitest';
import { PART_MARKS, snippetOf, snippetPart } from './snippet.js';

const doc = (subject: string, messages: string[], notes: string[] = []) =>
  [PART_MARKS.subject + subject, ...messages.map((m) => PART_MARKS.message + m), ...notes.map((n) => PART_MARKS.note + n)].join('\n');
const shown = (s: string | null) => snippetPart(s);
// biome-ignore lint/suspicious/noControlCharactersInRegex: the highlight marks are control characters
const plain = (s: string | null) => s?.replace(/[\u0002\u0003]/g, '') ?? null;

describe('search snippets', () => {
  it('highlights the match and says which part it is in', () => {
    const r = shown(snippetOf(doc('Printer jammed', ['The kangaroo ate the toner']), ['kangaroo']));
    expect(r).toEqual({ snippet: 'The \u0002kangaroo\u0003 ate the toner', snippetIn: 'message' });
  });

  it('does not run on into the next part: a message followed by a note', () => {
    const r = shown(snippetOf(doc('Printer jammed', ['Seen a kangaroo'], ['note with kangaroo inside']), ['kangaroo']));
    expect(r.snippetIn).toBe('message');
    expect(plain(r.snippet)).toBe('Seen a kangaroo');
  });

  it('does not start in the part before: the subject before a message', () => {
    const r = shown(snippetOf(doc('Printer jammed again', ['onerror shows on screen']), ['onerror']));
    expect(r.snippetIn).toBe('message');
    expect(plain(r.snippet)).toBe('onerror shows on screen');
    // A match in the subject stays in the subject.
    const s = shown(snippetOf(doc('Printer jammed again', ['nothing else here']), ['printer']));
    expect(s).toEqual({ snippet: '\u0002Printer\u0003 jammed again', snippetIn: 'subject' });
  });

  it("cuts a long part around the match with '…' on both sides, within the part", () => {
    const long = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const r = shown(snippetOf(doc('Subject words', [`${long} kangaroo ${long}`], ['a note']), ['kangaroo']));
    expect(r.snippetIn).toBe('message');
    expect(plain(r.snippet)).toBe('…w37 w38 w39 kangaroo w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11…');
    expect(r.snippet).not.toContain('note');
    expect(r.snippet).not.toContain('Subject');
  });

  it('a match far into a long chat is found and kept within its part', () => {
    const messages = Array.from({ length: 60 }, (_, i) => `message number ${i} about printers`);
    messages.push('the wombat is here');
    const r = shown(snippetOf(doc('Subject', messages, ['wombat in a note too']), ['wombat']));
    expect(r.snippetIn).toBe('message');
    expect(plain(r.snippet)).toBe('the wombat is here');
  });

  it('a document without part marks (indexed before them) still gives a snippet', () => {
    expect(snippetPart(snippetOf('plain old text with a kangaroo in it', ['kangaroo']))).toEqual({
      snippet: 'plain old text with a \u0002kangaroo\u0003 in it',
      snippetIn: null,
    });
    expect(snippetOf('no match here', ['kangaroo'])).toBeNull();
    // A match far into it: the text before is cut, and says so.
    const far = snippetOf(`${'filler words here '.repeat(40)}then a kangaroo`, ['kangaroo']);
    expect(far?.startsWith('…')).toBe(true);
    expect(plain(far)?.endsWith('then a kangaroo')).toBe(true);
  });
});
