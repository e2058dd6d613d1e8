import { Conflict, NotFound, ValidationFailed } from '../errors.js';
import type { Db, Tx } from '../db/database.js';
import { isValidTimeZone, officeStatus, type OfficeHours, type WeeklySchedule } from '../domain/office-hours.js';
import { deleteHolidayRow, holidayExistsOn, holidayRows, insertHoliday, officeHoursRow, saveOfficeHoursRow } from '../db/repositories/office-hours.js';

export async function loadOfficeHours(db: Tx): Promise<OfficeHours> {
  const row = await officeHoursRow(db);
  const holidays = await holidayRows(db);
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
  await saveOfficeHoursRow(db, { timezone: input.timezone, schedule: JSON.stringify(input.schedule), updated_at: Date.now() });
}

export async function addHoliday(db: Db, input: { date: string; name: string }) {
  if (Number.isNaN(Date.parse(`${input.date}T00:00:00Z`))) throw new ValidationFailed('Not a date', { field: 'date' });
  if (await holidayExistsOn(db, input.date)) throw new Conflict('duplicate', 'There is already a holiday on that date');
  return insertHoliday(db, input);
}

export async function deleteHoliday(db: Db, id: number) {
  if (!(await deleteHolidayRow(db, id))) throw new NotFound('Holiday');
}
