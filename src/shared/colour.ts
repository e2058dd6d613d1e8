/**
 * Colour arithmetic for the provider's accent (WCAG 2 relative luminance and contrast ratio).
 * The server refuses an accent that text cannot be read on; the web apps derive the dark theme's
 * accent from it. One rule, both sides.
 */

export const ACCENT_PATTERN = /^#[0-9a-fA-F]{6}$/;
/** WCAG AA for normal text. */
export const MIN_CONTRAST = 4.5;
/** The light theme's page background (tokens.css --bg): links and buttons in the accent sit on it. */
export const LIGHT_BG = '#f3f5f8';
/** The dark theme's raised surface (tokens.css --surface-2), the darkest place an accent link sits on. */
export const DARK_SURFACE = '#212833';
const DARK_TEXT = '#0b1a2b';

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

function luminance(hex: string): number {
  const [r, g, b] = parse(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two #rrggbb colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function mix(hex: string, toward: string, share: number): string {
  const a = parse(hex);
  const b = parse(toward);
  return toHex([0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * share) as Rgb);
}

/** Whether an accent can be the light theme's: readable as text on the page, and white on it. */
export function accentReadable(hex: string): boolean {
  return ACCENT_PATTERN.test(hex) && contrast(hex, LIGHT_BG) >= MIN_CONTRAST && contrast(hex, '#ffffff') >= MIN_CONTRAST;
}

/**
 * The accent in both themes with the text colour that goes on it. Light: the colour as given
 * (checked by `accentReadable`), white text. Dark: the same hue lightened until it reads on the
 * dark surfaces, with dark text.
 */
export function accentPair(hex: string): { light: string; lightFg: string; dark: string; darkFg: string } {
  let dark = hex.toLowerCase();
  for (let share = 0.05; contrast(dark, DARK_SURFACE) < MIN_CONTRAST && share <= 1; share += 0.05) dark = mix(hex, '#ffffff', share);
  return { light: hex.toLowerCase(), lightFg: '#ffffff', dark, darkFg: contrast(dark, DARK_TEXT) >= MIN_CONTRAST ? DARK_TEXT : '#000000' };
}
