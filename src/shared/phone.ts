/**
 * Phone numbers as people give them: digits with an optional +, spaces, dashes, dots and
 * parentheses (7 to 15 digits, the international maximum), then optionally an extension, as office
 * callers often have one: "ext 5", "ext. 5", "extension 5", "x5" or "#5" (up to 6 digits).
 */
const PATTERN = /^(\+?[0-9 ().-]+?)(?:\s*(?:extension|ext\.?|x|#)\s*([0-9]{1,6}))?$/i;

export type PhoneParts = { number: string; extension: string | null };

/** The number and its extension, or null when the text is not a phone number in that form. */
export function phoneParts(text: string): PhoneParts | null {
  const m = PATTERN.exec(text.trim());
  if (!m) return null;
  return { number: m[1].trim(), extension: m[2] ?? null };
}

/** Digits of the number itself (the extension not counted). */
export const phoneDigits = (p: PhoneParts) => p.number.replace(/\D/g, '').length;

/** A `tel:` link: the number's digits (and +), then the extension after a pause, as phones dial it. */
export function telHref(text: string): string {
  const p = phoneParts(text);
  if (!p) return `tel:${text.replace(/[^\d+]/g, '')}`;
  const number = p.number.replace(/[^\d+]/g, '');
  return `tel:${number}${p.extension ? `,${p.extension}` : ''}`;
}
