import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { Db } from '../db/database.js';
import { isValidTimeZone, officeStatus, type OfficeHours, type WeeklySchedule } from '../domain/office-hours.js';

export async function loadOfficeHours(db: Db): Promise<OfficeHours> {
  const row = await db.selectFrom('office_hours').selectAll().where('id', '=', 1).executeTakeFirst();
  const holidays = await db.selectFrom('holidays').select(['id', 'date', 'name']).orderBy('date').execute();
  return {
    timezone: row?.timezone ?? 'UTC',
    schedule: row ? (JSON.parse(row.schedule) as WeeklySchedule) : {},
    holidays: holidays.map((h) => ({ id: Number(h.id), date: h.date, name: h.name })),
  };
}

export async function officeHoursWithStatus(db: Db, now: number) {
  const hours = await loadOfficeHours(db);
  return { ...hours, status: officeStatus(hours, now) };
}

export async function saveOfficeHours(db: Db, input: { timezone: string; schedule: WeeklySchedule }) {
  if (!isValidTimeZone(input.timezone)) throw new ValidationFailed(`Unknown time zone: ${input.timezone}`, { field: 'timezone' });
  for (const [day, ivs] of Object.entries(input.schedule)) {
    for (const iv of ivs) if (iv.start >= iv.end) throw new ValidationFailed(`On day ${day}, ${iv.start} is not before ${iv.end}`, { field: 'schedule' });
  }
  const values = { timezone: input.timezone, schedule: JSON.stringify(input.schedule), updated_at: Date.now() };
  await db
    .insertInto('office_hours')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

export async function addHoliday(db: Db, input: { date: string; name: string }) {
  if (Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) throw new ValidationFailed('Not a date', { field: 'date' });
  const exists = await db.selectFrom('holidays').select('id').where('date', '=', input.date).executeTakeFirst();
  if (exists) throw new Conflict('duplicate', 'There is already a holiday on that date');
  const r = await db.insertInto('holidays').values(input).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function deleteHoliday(db: Db, id: number) {
  const r = await db.deleteFrom('holidays').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) throw new NotFound('Holiday');
}
