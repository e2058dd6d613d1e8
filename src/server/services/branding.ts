/**
 * The provider's branding: the name, accent colour and logo both apps show (SPEC Part 2,
 * "Usability and look"). Anyone may read it (the login pages show it); only admins change it.
 * The logo is an image stored in the database like other files and served with its own type
 * under a URL that changes with its content, so browsers may keep it.
 */
import { createHash } from 'node:crypto';
import { AppError, NotFound, ValidationFailed } from '../errors.js';
import type { Db } from '../db/database.js';
import { brandingLogo, brandingRow, saveBrandingRow } from '../db/repositories/branding.js';
import { LIGHT_BG, MIN_CONTRAST, accentReadable, contrast } from '../../shared/colour.js';

export const DEFAULT_BRAND_NAME = 'Helpdesk';
/** What end users see instead of "board" unless an admin chose another word (SPEC Part 2). */
export const DEFAULT_BOARD_WORD = 'Topic';
/** The largest logo accepted: a header logo needs far less. */
export const MAX_LOGO_BYTES = 256 * 1024;

/** The image types a logo may have, each with the bytes its files start with. SVG is refused: it can carry script. */
const LOGO_TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
export const LOGO_CONTENT_TYPES = Object.keys(LOGO_TYPES);

export type BrandingView = { name: string; accentColor: string | null; logoUrl: string | null; boardWord: string };

export async function getBranding(db: Db): Promise<BrandingView> {
  const row = await brandingRow(db);
  return {
    name: row?.name ?? DEFAULT_BRAND_NAME,
    accentColor: row?.accent ?? null,
    logoUrl: row?.logo_hash ? `/api/branding/logo?v=${row.logo_hash}` : null,
    boardWord: row?.board_word ?? DEFAULT_BOARD_WORD,
  };
}

/** Name, accent and board word; `accentColor: null` goes back to the product's own; no `boardWord` keeps the current one. */
export async function saveBranding(db: Db, input: { name: string; accentColor: string | null; boardWord?: string }, now: number): Promise<BrandingView> {
  const accent = input.accentColor?.toLowerCase() ?? null;
  if (accent !== null && !accentReadable(accent)) {
    const ratio = Math.round(contrast(accent, LIGHT_BG) * 100) / 100;
    throw new ValidationFailed(
      `The accent colour ${accent} is too light for text: its contrast is ${ratio}:1 where ${MIN_CONTRAST}:1 is needed. Choose a darker shade.`,
      {
        field: 'accentColor',
        contrast: ratio,
        needed: MIN_CONTRAST,
      },
    );
  }
  const word = input.boardWord === undefined ? {} : { board_word: input.boardWord === DEFAULT_BOARD_WORD ? null : input.boardWord };
  await saveBrandingRow(db, { name: input.name, accent, ...word, updated_at: now }, DEFAULT_BRAND_NAME);
  return getBranding(db);
}

/** Stores a logo whose bytes are what its content type says; the size is capped by the route. */
export async function saveLogo(db: Db, contentType: string, content: Buffer, now: number): Promise<BrandingView> {
  const matches = LOGO_TYPES[contentType];
  if (!matches) throw new AppError('unsupported_media_type', `A logo is a PNG, JPEG or WebP image, not ${contentType}`, 415);
  if (content.length === 0) throw new ValidationFailed('The logo file is empty', { field: 'logo' });
  if (!matches(content)) throw new AppError('unsupported_media_type', `The file is not a ${contentType.slice(6).toUpperCase()} image`, 415);
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  await saveBrandingRow(db, { logo: content, logo_type: contentType, logo_hash: hash, updated_at: now }, DEFAULT_BRAND_NAME);
  return getBranding(db);
}

export async function removeLogo(db: Db, now: number): Promise<BrandingView> {
  await saveBrandingRow(db, { logo: null, logo_type: null, logo_hash: null, updated_at: now }, DEFAULT_BRAND_NAME);
  return getBranding(db);
}

export async function logoFile(db: Db): Promise<{ contentType: string; content: Buffer; hash: string }> {
  const row = await brandingLogo(db);
  if (!row?.logo || !row.logo_type || !row.logo_hash) throw new NotFound('Logo');
  return { contentType: row.logo_type, content: Buffer.from(row.logo), hash: row.logo_hash };
}
