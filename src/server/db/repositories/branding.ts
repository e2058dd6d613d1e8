/** SQL of the provider's branding (one row, id 1). */
import type { Tx } from '../database.js';

/** Name, accent and board word, and the logo's type and hash: everything but the image itself. */
export function brandingRow(db: Tx) {
  return db.selectFrom('branding').select(['name', 'accent', 'board_word', 'logo_type', 'logo_hash', 'updated_at']).where('id', '=', 1).executeTakeFirst();
}

export function brandingLogo(db: Tx) {
  return db.selectFrom('branding').select(['logo', 'logo_type', 'logo_hash']).where('id', '=', 1).executeTakeFirst();
}

/** Writes the given columns of the row, creating it (with the default name) when missing. */
export async function saveBrandingRow(
  db: Tx,
  values: Partial<{
    name: string;
    accent: string | null;
    board_word: string | null;
    logo: Buffer | null;
    logo_type: string | null;
    logo_hash: string | null;
  }> & { updated_at: number },
  defaultName: string,
): Promise<void> {
  await db
    .insertInto('branding')
    .values({ id: 1, name: defaultName, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}
