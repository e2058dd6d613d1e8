/** SQL of the company website widgets (services/widget.ts). */
import type { Tx } from '../database.js';

export type WidgetRow = { company_id: number; widget_key: string; origins: string; secret: string | null; updated_at: number };

export function widgetOfCompany(db: Tx, companyId: number): Promise<WidgetRow | undefined> {
  return db.selectFrom('company_widgets').selectAll().where('company_id', '=', companyId).executeTakeFirst();
}

export function widgetByKey(db: Tx, key: string): Promise<WidgetRow | undefined> {
  return db.selectFrom('company_widgets').selectAll().where('widget_key', '=', key).executeTakeFirst();
}

export async function saveWidgetRow(db: Tx, row: WidgetRow): Promise<void> {
  await db
    .insertInto('company_widgets')
    .values(row)
    .onConflict((oc) => oc.column('company_id').doUpdateSet({ origins: row.origins, secret: row.secret, updated_at: row.updated_at }))
    .execute();
}

export async function deleteWidgetRow(db: Tx, companyId: number): Promise<void> {
  await db.deleteFrom('company_widgets').where('company_id', '=', companyId).execute();
}
