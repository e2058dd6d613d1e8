/** Demo data for a newcomer: created once, on the first start of an empty database. */
import type { Db } from './db/database.js';
import { hashPassword } from './services/auth.js';

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

export async function seedDemo(db: Db): Promise<boolean> {
  const any = await db.selectFrom('techs').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  const now = Date.now();
  const pw = await hashPassword(DEMO_PASSWORD);
  await db.transaction().execute(async (trx) => {
    const company = async (name: string) => Number((await trx.insertInto('companies').values({ name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id);
    const board = async (name: string) => Number((await trx.insertInto('boards').values({ name, created_at: now }).returning('id').executeTakeFirstOrThrow()).id);
    const acme = await company('Acme Corp');
    const globex = await company('Globex');
    const desk = await board('Service Desk');
    const projects = await board('Projects');
    const onsite = await board('Onsite');
    for (const [c, b] of [[acme, desk], [acme, projects], [globex, desk], [globex, onsite]]) await trx.insertInto('company_boards').values({ company_id: c, board_id: b }).execute();
    const tech = async (email: string, name: string, role: 'tech' | 'admin', opts: { available?: boolean; all?: boolean; boards?: number[]; companies?: number[] }) => {
      const id = Number(
        (
          await trx
            .insertInto('techs')
            .values({ email, name, password_hash: pw, role, available: opts.available === false ? 0 : 1, all_companies: opts.all ? 1 : 0, active: 1, created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      for (const b of opts.boards ?? []) await trx.insertInto('tech_boards').values({ tech_id: id, board_id: b }).execute();
      for (const c of opts.companies ?? []) await trx.insertInto('tech_companies').values({ tech_id: id, company_id: c }).execute();
      return id;
    };
    await tech('admin@helpdesk.test', 'Ada Admin', 'admin', { all: true, boards: [desk, projects, onsite] });
    const sam = await tech('sam@helpdesk.test', 'Sam Desk', 'tech', { all: true, boards: [desk] });
    await tech('casey@helpdesk.test', 'Casey Acme', 'tech', { boards: [desk, projects, onsite], companies: [acme] });
    await tech('dana@helpdesk.test', 'Dana Busy', 'tech', { available: false, all: true, boards: [desk, projects, onsite] });
    const user = async (company_id: number, email: string, name: string, phone: string) =>
      Number((await trx.insertInto('portal_users').values({ company_id, email, name, phone, password_hash: pw, active: 1, created_at: now }).returning('id').executeTakeFirstOrThrow()).id);
    const alice = await user(acme, 'alice@acme.test', 'Alice Anders', '+1 555 0100');
    await user(acme, 'bob@acme.test', 'Bob Baker', '+1 555 0101');
    const gina = await user(globex, 'gina@globex.test', 'Gina Gold', '+44 20 7946 0000');
    const ticket = async (company_id: number, board_id: number, contact_id: number, summary: string, assigned: number | null) => {
      const id = Number(
        (
          await trx
            .insertInto('tickets')
            .values({ company_id, board_id, contact_id, summary, status: 'open', assigned_tech_id: assigned, created_at: now, updated_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      await trx.insertInto('timeline').values({ ticket_id: id, kind: 'created', at: now, actor_kind: 'system', actor_id: null, chat_id: null, attachment_id: null, data: JSON.stringify({ summary }) }).execute();
    };
    await ticket(acme, desk, alice, 'Laptop will not connect to VPN', sam);
    await ticket(acme, projects, alice, 'New office printer setup', null);
    await ticket(globex, desk, gina, 'Password reset for the finance app', sam);
    await trx
      .insertInto('office_hours')
      .values({
        id: 1,
        timezone: 'America/New_York',
        schedule: JSON.stringify(Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '08:00', end: '18:00' }]]))),
        updated_at: now,
      })
      .execute();
    await trx.insertInto('holidays').values({ date: '2026-12-25', name: 'Christmas Day' }).execute();
  });
  return true;
}
