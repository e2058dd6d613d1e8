/**
 * Demo data for a newcomer's local trial: created once, on the first start of an empty database,
 * when first-start.ts allows it. Its password is published (README), so a server reachable from
 * other machines refuses to start while any of these accounts still has it.
 */
import type { Db } from './db/database.js';
import { hashPassword } from './services/auth.js';
import { insertTicket } from './services/tickets.js';
import { insertBoard, insertCompany, replaceCompanyBoards } from './db/repositories/organisation.js';
import { insertPortalUser, insertTech, replaceTechGrants } from './db/repositories/people.js';
import { anyAccount, claimSetup } from './db/repositories/setup.js';
import { insertHoliday, saveOfficeHoursRow } from './db/repositories/office-hours.js';
import { insertCannedReply } from './db/repositories/canned-replies.js';

export const DEMO_PASSWORD = 'demo-pass-2026';
export const DEMO_LOGINS = [
  { who: 'admin (all boards, all companies)', audience: 'console', email: 'admin@helpdesk.test' },
  { who: 'tech, Service Desk board only, all companies', audience: 'console', email: 'sam@helpdesk.test' },
  { who: 'tech, all boards, Acme only', audience: 'console', email: 'casey@helpdesk.test' },
  { who: 'tech on Do Not Respond', audience: 'console', email: 'dana@helpdesk.test' },
  { who: 'portal user, Acme Corp', audience: 'portal', email: 'alice@acme.test' },
  { who: 'portal user, Acme Corp', audience: 'portal', email: 'bob@acme.test' },
  { who: 'portal user, Globex', audience: 'portal', email: 'gina@globex.test' },
] as const;

/** Seeds the demo into an empty database; false when the database was set up already (by another node, say). */
export async function seedDemo(db: Db): Promise<boolean> {
  if (await anyAccount(db)) return false;
  const now = Date.now();
  const pw = await hashPassword(DEMO_PASSWORD);
  return db.transaction().execute(async (trx) => {
    // Of several nodes starting at once on one empty database, one seeds.
    if (!(await claimSetup(trx, 'demo', now))) return false;
    const acme = await insertCompany(trx, 'Acme Corp', now);
    const globex = await insertCompany(trx, 'Globex', now);
    const desk = await insertBoard(trx, 'Service Desk', now);
    const projects = await insertBoard(trx, 'Projects', now);
    const onsite = await insertBoard(trx, 'Onsite', now);
    await replaceCompanyBoards(trx, acme, [desk, projects]);
    await replaceCompanyBoards(trx, globex, [desk, onsite]);
    const tech = async (
      email: string,
      name: string,
      role: 'tech' | 'admin',
      opts: { available?: boolean; all?: boolean; boards?: number[]; companies?: number[] },
    ) => {
      const id = await insertTech(trx, {
        email,
        name,
        password_hash: pw,
        role,
        available: opts.available === false ? 0 : 1,
        all_companies: opts.all ? 1 : 0,
        active: 1,
        created_at: now,
      });
      await replaceTechGrants(trx, id, opts.boards ?? [], opts.companies ?? []);
      return id;
    };
    await tech('admin@helpdesk.test', 'Ada Admin', 'admin', { all: true, boards: [desk, projects, onsite] });
    const sam = await tech('sam@helpdesk.test', 'Sam Desk', 'tech', { all: true, boards: [desk] });
    await tech('casey@helpdesk.test', 'Casey Acme', 'tech', { boards: [desk, projects, onsite], companies: [acme] });
    await tech('dana@helpdesk.test', 'Dana Busy', 'tech', { available: false, all: true, boards: [desk, projects, onsite] });
    const user = (company_id: number, email: string, name: string, phone: string) =>
      insertPortalUser(trx, { company_id, email, name, phone, password_hash: pw, active: 1, created_at: now });
    const alice = await user(acme, 'alice@acme.test', 'Alice Anders', '+1 555 0100');
    await user(acme, 'bob@acme.test', 'Bob Baker', '+1 555 0101');
    const gina = await user(globex, 'gina@globex.test', 'Gina Gold', '+44 20 7946 0000');
    const ticket = (company_id: number, board_id: number, contact_id: number, summary: string, assigned_tech_id: number | null) =>
      insertTicket(trx, { company_id, board_id, contact_id, summary, assigned_tech_id, actor: { kind: 'system', id: null }, now });
    await ticket(acme, desk, alice, 'Laptop will not connect to VPN', sam);
    await ticket(acme, projects, alice, 'New office printer setup', null);
    await ticket(globex, desk, gina, 'Password reset for the finance app', sam);
    await saveOfficeHoursRow(trx, {
      timezone: 'America/New_York',
      schedule: JSON.stringify(Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '08:00', end: '18:00' }]]))),
      updated_at: now,
    });
    await insertHoliday(trx, { date: '2026-12-25', name: 'Christmas Day' });
    // A few shared canned replies, so typing "/" in a chat shows what they are for.
    const reply = (shortcut: string, body: string, board_id: number | null = null) =>
      insertCannedReply(trx, { owner_tech_id: null, board_id, shortcut, body, now });
    await reply('hello', 'Hi {first_name}, this is {tech_name} from the service desk. How can I help?');
    await reply('restart', 'Could you restart the computer, then tell me whether it happens again?');
    await reply('ticket', "I'll log a ticket for this, so you can follow it under Tickets in the portal.");
    await reply('onsite', 'A technician will come to you: which day and time suit you best?', onsite);
    return true;
  });
}
