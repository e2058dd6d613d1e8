/** SQL of the office hours (one row) and the holidays. */
import type { Tx } from '../database.js';

export function officeHoursRow(db: Tx) {
  return db.selectFrom('office_hours').selectAll().where('id', '=', 1).executeTakeFirst();
}

export function holidayRows(db: Tx) {
  return db.selectFrom('holidays').select(['id', 'date', 'name']).orderBy('date').execute();
}

/** The one row of office hours, written whether or not it exists yet. */
export async function saveOfficeHoursRow(db: Tx, values: { timezone: string; schedule: string; updated_at: number }): Promise<void> {
  await db
    .insertInto('office_hours')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

export async function holidayExistsOn(db: Tx, date: string): Promise<boolean> {
  return !!(await db.selectFrom('holidays').select('id').where('date', '=', date).executeTakeFirst());
}

export async function insertHoliday(db: Tx, holiday: { date: string; name: string }): Promise<number> {
  const r = await db.insertInto('holidays').values(holiday).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** True when the holiday was there to delete. */
export async function deleteHolidayRow(db: Tx, id: number): Promise<boolean> {
  const r = await db.deleteFrom('holidays').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
