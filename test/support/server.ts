/** A real server on a real port, in this process, on a fresh database; plus factories. */
import { loadConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { hashPassword } from '../../src/server/services/auth.js';
import { freshDatabase, type DbKind, type TestDb } from './databases.js';
import { NO_AUTOMATIC_SWEEP_MS, type TestClock } from './clock.js';

export const PASSWORD = 'test-password-1';
let hashed: Promise<string> | null = null;
const passwordHash = () => (hashed ??= hashPassword(PASSWORD));

export type TestServer = RunningServer & { testDb: TestDb; env: Record<string, string>; stop: () => Promise<void>; f: Factories };

/**
 * With `logStream`, the server logs there (at env LOG_LEVEL). With `clock`, the server takes that clock as `ctx.now` (chat deadlines) and sweeps its timers only
 * when the test calls `sweep` (test/support/clock.ts), unless `env` sets TIMER_SWEEP_MS.
 */
export async function startTestServer(
  kind: DbKind,
  env: Record<string, string> = {},
  testDb?: TestDb,
  opts: { clock?: TestClock; runJobs?: boolean; logStream?: NodeJS.WritableStream } = {},
): Promise<TestServer> {
  const db = testDb ?? (await freshDatabase(kind));
  const sweepMs = opts.clock ? NO_AUTOMATIC_SWEEP_MS : '100';
  const fullEnv = { PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'silent', TIMER_SWEEP_MS: sweepMs, ...db.env, ...env };
  const server = await startServer(loadConfig(fullEnv as NodeJS.ProcessEnv), {
    logger: false,
    now: opts.clock?.now,
    runJobs: opts.runJobs,
    logStream: opts.logStream,
  });
  return Object.assign(server, {
    testDb: db,
    env: fullEnv,
    f: factories(server),
    stop: async () => {
      await server.close();
      if (!testDb) await db.drop();
    },
  });
}

let seq = 0;
const uniq = (p: string) => `${p}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 7)}`;

export type Factories = ReturnType<typeof factories>;
export function factories(server: Pick<RunningServer, 'ctx'>) {
  const db = server.ctx.db;
  const now = Date.now();
  return {
    async company(opts: { boardIds?: number[] } = {}) {
      const id = Number(
        (
          await db
            .insertInto('companies')
            .values({ name: uniq('Company'), created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      for (const b of opts.boardIds ?? []) await db.insertInto('company_boards').values({ company_id: id, board_id: b }).execute();
      return id;
    },
    async board() {
      return Number(
        (
          await db
            .insertInto('boards')
            .values({ name: uniq('Board'), created_at: now })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    },
    async tech(opts: { role?: 'tech' | 'admin'; available?: boolean; boardIds?: number[]; companyIds?: number[]; allCompanies?: boolean; name?: string } = {}) {
      const email = `${uniq('tech')}@test.local`;
      const id = Number(
        (
          await db
            .insertInto('techs')
            .values({
              email,
              name: opts.name ?? uniq('Tech'),
              password_hash: await passwordHash(),
              role: opts.role ?? 'tech',
              available: opts.available === false ? 0 : 1,
              all_companies: opts.allCompanies ? 1 : 0,
              active: 1,
              created_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      for (const b of opts.boardIds ?? []) await db.insertInto('tech_boards').values({ tech_id: id, board_id: b }).execute();
      for (const c of opts.companyIds ?? []) await db.insertInto('tech_companies').values({ tech_id: id, company_id: c }).execute();
      return { id, email };
    },
    async portalUser(companyId: number, opts: { name?: string; email?: string } = {}) {
      const email = opts.email ?? `${uniq('user')}@test.local`;
      const id = Number(
        (
          await db
            .insertInto('portal_users')
            .values({
              company_id: companyId,
              email,
              name: opts.name ?? uniq('User'),
              phone: null,
              password_hash: await passwordHash(),
              active: 1,
              created_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
      return { id, email };
    },
    async ticket(t: { companyId: number; boardId: number; contactId: number; assignedTechId?: number | null; summary?: string }) {
      return Number(
        (
          await db
            .insertInto('tickets')
            .values({
              company_id: t.companyId,
              board_id: t.boardId,
              contact_id: t.contactId,
              summary: t.summary ?? 'Printer on fire',
              status: 'open',
              assigned_tech_id: t.assignedTechId ?? null,
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    },
    /** A typical world: one company offered one board, an admin, a tech with access, a user. */
    async world() {
      const boardId = await this.board();
      const companyId = await this.company({ boardIds: [boardId] });
      const tech = await this.tech({ boardIds: [boardId], companyIds: [companyId] });
      const user = await this.portalUser(companyId);
      return { boardId, companyId, tech, user };
    },
  };
}
