/** Admin pages of the Tech Console in a real browser: every change made through the page and checked in the database. */
import { axeViolations } from './support/a11y.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launch, screenshotPath, type Browsers } from './support/browser.js';
import { HAS_PORTAL_BUILD, startPortalServer } from './support/portal.js';
import { consoleLogin, eventually, navTo, techPage } from './support/console-ui.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD, type TestServer } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('Tech Console admin pages in a real browser', { timeout: 60000 }, () => {
  let s: TestServer;
  let b: Browsers;
  beforeAll(async () => {
    s = await startPortalServer();
    b = await launch(s.url);
  });
  afterAll(async () => {
    await b?.close();
    await s?.stop();
  });

  it('an admin manages boards, companies, techs and grants, portal users, office hours and holidays; errors show the server message', async () => {
    const admin = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    const { page, dialogs } = await techPage(await b.newContext(), admin.email);
    const db = s.ctx.db;
    await navTo(page, 'Admin');
    const sub = (name: string) => page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name }).click();

    await sub('Boards');
    await page.getByLabel('New board').fill('Network');
    await page.getByRole('button', { name: 'Add board' }).click();
    await eventually(() => page.getByText('Board “Network” added').isVisible()).toBe(true);
    // A duplicate is refused with the server's own message.
    await page.getByLabel('New board').fill('Network');
    await page.getByRole('button', { name: 'Add board' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('A board with that name already exists');
    await page.getByLabel('New board').fill('Projects');
    await page.getByRole('button', { name: 'Add board' }).click();
    await eventually(async () => (await db.selectFrom('boards').select('name').orderBy('name').execute()).map((x) => x.name)).toEqual(['Network', 'Projects']);

    await sub('Companies');
    await page.getByLabel('Company name').fill('Acme');
    await page.getByRole('group', { name: 'Boards offered to its users' }).getByLabel('Network').check();
    await page.getByRole('button', { name: 'Add company' }).click();
    await eventually(() => page.getByText('Company “Acme” added').isVisible()).toBe(true);
    const acme = await db.selectFrom('companies').select('id').where('name', '=', 'Acme').executeTakeFirstOrThrow();
    const offered = await db
      .selectFrom('company_boards')
      .innerJoin('boards', 'boards.id', 'company_boards.board_id')
      .select('boards.name')
      .where('company_id', '=', acme.id)
      .execute();
    expect(offered.map((o) => o.name)).toEqual(['Network']);

    // The same offer from the board's side: Projects offered to Acme on the Boards page.
    await sub('Boards');
    const projects = page.getByRole('group', { name: 'Companies that may request chats on “Projects”' });
    expect(await projects.getByLabel('Acme').isChecked()).toBe(false);
    expect(await page.getByRole('group', { name: 'Companies that may request chats on “Network”' }).getByLabel('Acme').isChecked()).toBe(true);
    await projects.getByLabel('Acme').check();
    await page.getByRole('listitem').filter({ has: projects }).getByRole('button', { name: 'Save companies' }).click();
    await eventually(() => page.getByText('“Projects” offered to 1 company').first().isVisible()).toBe(true);
    const offeredNow = async () =>
      (
        await db
          .selectFrom('company_boards')
          .innerJoin('boards', 'boards.id', 'company_boards.board_id')
          .select('boards.name')
          .where('company_id', '=', acme.id)
          .orderBy('boards.name')
          .execute()
      ).map((o) => o.name);
    expect(await offeredNow()).toEqual(['Network', 'Projects']);
    await sub('Companies');
    await eventually(() =>
      page
        .getByRole('group', { name: /Boards offered to Acme/ })
        .getByLabel('Projects')
        .isChecked(),
    ).toBe(true);

    await sub('Technicians and access');
    await page.getByRole('form', { name: 'Add a technician' }).getByLabel('Name').fill('Nina Network');
    await page.getByRole('form', { name: 'Add a technician' }).getByLabel('Email').fill('nina@example.test');
    await page.getByLabel('Password (at least 8 characters)').fill('long-enough-pw');
    // Access is granted in the same form, with the tech.
    const newTech = page.getByRole('form', { name: 'Add a technician' });
    await newTech.getByRole('group', { name: 'Boards they can see' }).getByLabel('Network').check();
    await newTech.getByRole('group', { name: 'Companies they can see' }).getByLabel('Acme').check();
    await page.getByRole('button', { name: 'Add technician' }).click();
    await eventually(() => page.getByTestId('flash').textContent()).toBe('Technician Nina Network added');
    const nina = page.getByTestId('tech-row').filter({ hasText: 'Nina Network' });
    await nina.waitFor();
    // The new tech's panel is open, with the access just given, and has the focus.
    expect(await nina.locator('details').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await eventually(() => nina.locator('summary').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await nina.getByRole('group', { name: 'Boards Nina Network can see' }).getByLabel('Network').isChecked()).toBe(true);
    const ninaRow = await db.selectFrom('techs').select(['id', 'all_companies']).where('email', '=', 'nina@example.test').executeTakeFirstOrThrow();
    expect((await db.selectFrom('tech_companies').select('company_id').where('tech_id', '=', ninaRow.id).execute()).map((r) => Number(r.company_id))).toEqual([
      Number(acme.id),
    ]);
    // A long staff list can be searched.
    await page.getByLabel('Find a technician (name or email)').fill('nina');
    await eventually(() => page.getByTestId('tech-row').count()).toBe(1);
    expect(await page.getByTestId('list-count').textContent()).toMatch(/^1 of \d+ shown$/);
    await page.getByLabel('Find a technician (name or email)').fill('');
    await nina.getByLabel('All companies').check();
    await nina.getByRole('button', { name: 'Save access' }).click();
    await eventually(
      async () => (await db.selectFrom('techs').select('all_companies').where('id', '=', ninaRow.id).executeTakeFirstOrThrow()).all_companies,
    ).toBe(1);
    await nina.getByLabel('New password for Nina Network').fill('another-long-pw');
    await nina.getByRole('button', { name: 'Set password' }).click();
    await eventually(() => page.getByText('Password of Nina Network changed').isVisible()).toBe(true);
    await eventually(() => nina.locator('summary').textContent()).toContain('access: Network; all companies');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('console-admin'), fullPage: false });

    await sub('Portal users');
    await page.getByLabel('Company', { exact: true }).selectOption({ label: 'Acme' });
    await page.getByRole('form', { name: 'Add a portal user' }).getByLabel('Name').fill('Paul Portal');
    await page.getByRole('form', { name: 'Add a portal user' }).getByLabel('Email').fill('paul@example.test');
    await page.getByLabel('Password (at least 8 characters)').fill('long-enough-pw');
    await page.getByLabel('Phone (optional)').fill('12');
    await page.getByRole('button', { name: 'Add portal user' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('Phone');
    await page.getByLabel('Phone (optional)').fill('+44 20 7946 0000');
    await page.getByRole('button', { name: 'Add portal user' }).click();
    const paul = page.getByTestId('portal-user-row').filter({ hasText: 'paul@example.test' });
    await paul.locator('summary').click();
    await paul.getByLabel('Name').fill('Paul P. Portal');
    await paul.getByRole('button', { name: 'Save Paul Portal' }).click();
    await eventually(() => paul.locator('summary').textContent()).toContain('Paul P. Portal');
    await paul.getByRole('button', { name: 'Deactivate Paul P. Portal' }).click();
    await eventually(
      async () => (await db.selectFrom('portal_users').select('active').where('email', '=', 'paul@example.test').executeTakeFirstOrThrow()).active,
    ).toBe(0);

    // Paul's data: a download, and erasure only once his email is typed.
    const paulId = Number((await db.selectFrom('portal_users').select('id').where('email', '=', 'paul@example.test').executeTakeFirstOrThrow()).id);
    const data = paul.getByRole('form', { name: 'Data of Paul P. Portal' });
    const href = await data.getByRole('link', { name: 'Download Paul P. Portal’s data (JSON)' }).getAttribute('href');
    expect(href).toBe(`/api/admin/portal-users/${paulId}/export`);
    const download = await page.evaluate(
      (h) => fetch(h!).then(async (r) => ({ status: r.status, disposition: r.headers.get('content-disposition'), email: (await r.json()).person.email })),
      href,
    );
    expect(download).toEqual({ status: 200, disposition: `attachment; filename="portal-user-${paulId}.json"`, email: 'paul@example.test' });
    const eraseButton = data.getByRole('button', { name: 'Erase Paul P. Portal’s data' });
    expect(await eraseButton.isDisabled()).toBe(true);
    await data.getByLabel('To erase Paul P. Portal’s data for good, type their email').fill('paul@example.test');
    await eraseButton.click();
    await eventually(() => page.getByText('Paul P. Portal’s data was erased').isVisible()).toBe(true);
    const erased = await db.selectFrom('portal_users').select(['name', 'email', 'erased_at']).where('id', '=', paulId).executeTakeFirstOrThrow();
    expect(erased.name).toBe('Deleted user');
    expect(erased.email).not.toContain('paul');
    expect(erased.erased_at).not.toBeNull();

    await sub('Office hours and holidays');
    // A choice of known zones, not free text.
    expect(await page.getByLabel(/^Time zone/).evaluate((el) => el.tagName)).toBe('SELECT');
    await page.getByLabel(/^Time zone/).selectOption('Europe/Paris');
    await page.getByRole('button', { name: 'Add hours on Monday' }).click();
    await page.getByRole('button', { name: 'Save office hours' }).click();
    await eventually(() => page.getByText('Office hours saved').isVisible()).toBe(true);
    const oh = await db.selectFrom('office_hours').selectAll().executeTakeFirstOrThrow();
    expect(oh.timezone).toBe('Europe/Paris');
    expect(JSON.parse(oh.schedule)).toMatchObject({ '1': [{ start: '09:00', end: '17:00' }], '2': [], '0': [] });
    await page.getByLabel('Date', { exact: true }).fill('2030-12-25');
    await page.getByLabel('Holiday name').fill('Christmas');
    await page.getByRole('button', { name: 'Add holiday' }).click();
    await eventually(() => page.getByText('2030-12-25: Christmas').isVisible()).toBe(true);
    // Removing asks first; keeping it changes nothing.
    await page.getByRole('button', { name: 'Remove holiday 2030-12-25' }).click();
    await page.getByRole('alertdialog', { name: /Remove the holiday/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page
      .getByRole('alertdialog', { name: /Remove the holiday/ })
      .getByRole('button', { name: 'Keep it' })
      .click();
    expect(await page.getByText('2030-12-25: Christmas').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Remove holiday 2030-12-25' }).click();
    await page
      .getByRole('alertdialog', { name: /Remove the holiday/ })
      .getByRole('button', { name: 'Remove holiday', exact: true })
      .click();
    await eventually(() => page.getByText('No holidays.').isVisible()).toBe(true);
    expect(dialogs).toEqual([]);
  });

  it('a tech who is not an admin has no admin link and no admin page', async () => {
    const board = await s.f.board();
    const tech = await s.f.tech({ boardIds: [board], allCompanies: true });
    const { page } = await techPage(await b.newContext(), tech.email);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto('/console/admin/techs');
    await eventually(() => page.getByRole('heading', { name: 'Page not found' }).isVisible()).toBe(true);
    const status = await page.evaluate(() => fetch('/api/admin/techs').then((r) => r.status));
    expect(status).toBe(403);
  });

  it('a wrong password shows the server message; logging out returns to the login page and ends the session', async () => {
    const board = await s.f.board();
    const tech = await s.f.tech({ boardIds: [board], allCompanies: true });
    const page = await (await b.newContext()).newPage();
    await page.goto('/console');
    await page.getByLabel('Email').fill(tech.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toContain('Wrong email or password');
    await consoleLogin(page, tech.email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await eventually(() => page.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => fetch('/api/console/me').then((r) => r.status))).toBe(401);
  });

  it('a tech deactivated by an admin while the console is open is shown the login page', async () => {
    const board = await s.f.board();
    const tech = await s.f.tech({ boardIds: [board], allCompanies: true });
    const admin = await s.f.tech({ role: 'admin' });
    const adminHttp = await loginAs(s.url, 'tech', admin.email, PASSWORD);
    const { page } = await techPage(await b.newContext(), tech.email);
    expect((await adminHttp.patch(`/api/admin/techs/${tech.id}`, { active: false })).status).toBe(200);
    await eventually(() => page.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true);
  });
});
