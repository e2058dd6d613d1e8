/**
 * The board-and-company access rule has several forms (policies/access.ts): in memory, as the
 * filter of a tech's lists, as the tech's directory, and as the recipients of an item; the rule
 * table (policies/rules.ts) builds on the first. Over random grants, roles, deactivations and DNR,
 * every form must give the same answer for every tech and every board-and-company pair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { loadTechActor, techHasAccess, techsWithAccess, type TechActor } from '../src/server/policies/access.js';
import { can } from '../src/server/policies/rules.js';
import { statusBar } from '../src/server/services/chat-queries.js';
import { listTickets } from '../src/server/services/tickets.js';
import { directory } from '../src/server/services/directory.js';

const PICK = [0, 1, 2] as const;
const grant = fc.record({
  role: fc.constantFrom<'tech' | 'admin'>('tech', 'tech', 'admin'),
  boards: fc.subarray([...PICK]),
  companies: fc.subarray([...PICK]),
  allCompanies: fc.boolean(),
  active: fc.boolean(),
  available: fc.boolean(),
});

describe.each(DIALECTS)('forms of the access rule on %s', (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => s?.stop());

  it('in memory, list filter, directory and recipient query agree over random grants', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(grant, { minLength: 1, maxLength: 5 }), async (grants) => {
        runs++;
        const db = s.ctx.db;
        const boards = [await s.f.board(), await s.f.board(), await s.f.board()];
        const companies = [await s.f.company(), await s.f.company(), await s.f.company()];
        const techs: { id: number; g: (typeof grants)[number] }[] = [];
        for (const g of grants) {
          const t = await s.f.tech({
            role: g.role,
            available: g.available,
            allCompanies: g.allCompanies,
            boardIds: g.boards.map((i) => boards[i]),
            companyIds: g.companies.map((i) => companies[i]),
          });
          if (!g.active) await db.updateTable('techs').set({ active: 0 }).where('id', '=', t.id).execute();
          techs.push({ id: t.id, g });
        }
        // One waiting chat and one ticket for every board-and-company pair.
        const items: { board_id: number; company_id: number; chatId: number; ticketId: number }[] = [];
        const now = Date.now();
        for (const b of boards)
          for (const c of companies) {
            const requester = await s.f.portalUser(c);
            const chat = await db
              .insertInto('chats')
              .values({
                source: 'new_request',
                ticket_id: null,
                board_id: b,
                company_id: c,
                requester_id: requester.id,
                subject: 'x',
                status: 'waiting',
                open_key: null,
                tech_id: null,
                outcome: null,
                created_ticket_id: null,
                last_seq: 0,
                requested_at: now,
                joined_at: null,
                left_at: null,
                ended_at: null,
                abandoned_at: null,
                callback_at: null,
                completed_at: null,
                completed_by: null,
                callback_phone: null,
                callback_time: null,
                callback_message: null,
                alert_stage: 'all',
                alert_all_at: null,
                offer_at: null,
                grace_at: null,
                offer_count: 0,
              })
              .returning('id')
              .executeTakeFirstOrThrow();
            const ticketId = await s.f.ticket({ companyId: c, boardId: b, contactId: requester.id });
            items.push({ board_id: b, company_id: c, chatId: Number(chat.id), ticketId });
          }
        const mine = new Set(techs.map((t) => t.id));
        const recipients = new Map<number, { all: number[]; available: number[] }>();
        for (const it of items) {
          recipients.set(it.chatId, {
            all: (await techsWithAccess(db, it, { availableOnly: false })).filter((id) => mine.has(id)),
            available: (await techsWithAccess(db, it, { availableOnly: true })).filter((id) => mine.has(id)),
          });
        }
        for (const { id, g } of techs) {
          const actor = await loadTechActor(db, id);
          // A deactivated tech has no actor at all: nothing to list, and no recipient of anything.
          expect(actor === null).toBe(!g.active);
          // What the grants say, computed here without the product's code.
          const expected = (b: number, c: number) =>
            g.role === 'admin' || (g.boards.some((i) => boards[i] === b) && (g.allCompanies || g.companies.some((i) => companies[i] === c)));
          const tech = actor as TechActor;
          const waiting = actor ? new Set((await statusBar(db, tech)).waiting.map((c) => c.id)) : new Set<number>();
          const tickets = actor ? new Set((await listTickets(s.ctx, tech, { limit: 100000 })).map((t) => t.id)) : new Set<number>();
          const dir = actor ? await directory(db, tech) : { boards: [], companies: [] };
          const dirBoards = new Set(dir.boards.map((b) => b.id));
          const dirCompanies = new Set(dir.companies.map((c) => c.id));
          for (const it of items) {
            const want = expected(it.board_id, it.company_id);
            const where = `tech ${JSON.stringify(g)} board ${boards.indexOf(it.board_id)} company ${companies.indexOf(it.company_id)}`;
            if (actor) {
              expect(techHasAccess(tech, it), `in memory: ${where}`).toBe(want);
              expect(can(tech, 'chat.view', { ...it, status: 'waiting', requester_id: 0, tech_id: null }), `rule table: ${where}`).toBe(want);
              expect(waiting.has(it.chatId), `waiting list: ${where}`).toBe(want);
              expect(tickets.has(it.ticketId), `ticket list: ${where}`).toBe(want);
              expect(dirBoards.has(it.board_id) && dirCompanies.has(it.company_id), `directory: ${where}`).toBe(want);
            }
            const r = recipients.get(it.chatId)!;
            expect(r.all.includes(id), `recipients: ${where}`).toBe(g.active && want);
            expect(r.available.includes(id), `eligible recipients: ${where}`).toBe(g.active && g.available && want);
          }
        }
      }),
      { numRuns: kind === 'sqlite' ? 40 : 20 },
    );
    expect(runs).toBeGreaterThanOrEqual(20);
  });
});
