/**
 * Canned replies in a real browser: an admin adds a shared one, a tech a personal one, and in a
 * chat the tech inserts them from the message box by "/" and the keyboard alone, with the
 * placeholders filled in for this requester; the list passes axe in both themes.
 */
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, portalLogin, requestChat, eventually } from './support/portal.js';
import { navTo, techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('canned replies in a real browser', { timeout: 60000 }, () => {
  const suite = browserSuite();

  it('added on their pages, offered after "/" in a chat, chosen and inserted with the keyboard, placeholders filled in', async () => {
    const { s, b } = suite;
    const w = await s.f.world();
    await s.ctx.db.updateTable('portal_users').set({ name: 'Alice Anders' }).where('id', '=', w.user.id).execute();
    await s.ctx.db.updateTable('techs').set({ name: 'Sam Desk' }).where('id', '=', w.tech.id).execute();
    const adminTech = await s.f.tech({ role: 'admin', name: 'Ada Admin' });

    // The admin's shared reply, for every board.
    const admin = await techPage(await b.newContext(), adminTech.email);
    await navTo(admin.page, 'Admin');
    await admin.page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name: 'Canned replies' }).click();
    const newShared = admin.page.getByRole('form', { name: 'New canned reply' });
    await newShared.getByLabel(/^Shortcut/).fill('hello');
    await newShared.getByLabel('Text').fill('Hello {first_name}, this is {tech_name} from the service desk.');
    await newShared.getByRole('button', { name: 'Add canned reply' }).click();
    await eventually(() => admin.page.getByTestId('canned-replies').textContent()).toContain('/hello');

    // The tech's own, on the Replies page, which also lists the shared one.
    const tech = await techPage(await b.newContext(), w.tech.email);
    await navTo(tech.page, 'Replies');
    const newMine = tech.page.getByRole('form', { name: 'New canned reply' });
    await newMine.getByLabel(/^Shortcut/).fill('vpn-reset');
    await newMine.getByLabel('Text').fill('Please restart the VPN client, {first_name}; {company} has a new certificate.');
    await newMine.getByRole('button', { name: 'Add canned reply' }).click();
    await eventually(() => tech.page.getByTestId('canned-replies').textContent()).toContain('/vpn-reset');
    expect(await tech.page.getByText('Shared by your admins').isVisible()).toBe(true);
    const company = (await s.ctx.db.selectFrom('companies').select('name').where('id', '=', w.companyId).executeTakeFirstOrThrow()).name;

    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, 'VPN drops', 'It keeps disconnecting');
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await techHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    await tech.page.goto(`/console/chats/${chatId}`);
    const box = tech.page.getByLabel('Message', { exact: true });
    const list = tech.page.getByRole('listbox', { name: 'Canned replies' });

    // "/vp": one match; Enter inserts it (and does not send).
    await box.focus();
    await box.pressSequentially('/vp');
    await eventually(() => list.getByRole('option').allTextContents()).toEqual([expect.stringMatching(/^\/vpn-reset/)]);
    await tech.page.keyboard.press('Enter');
    expect(await box.inputValue()).toBe(`Please restart the VPN client, Alice; ${company} has a new certificate.`);
    expect(await list.count()).toBe(0);
    expect(await tech.page.locator('.message-mine').count()).toBe(0);

    // The cursor is placed after an inserted reply at once, not a frame later: a select-all made
    // right after the insertion still holds when the next key (Delete) comes, a frame on.
    await box.fill('');
    await box.pressSequentially('/vp');
    await eventually(() => list.count()).toBe(1);
    const afterSelectAllAndDelete = await box.evaluate(async (el: HTMLTextAreaElement) => {
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      for (let i = 0; i < 50 && el.value === '/vp'; i++) await Promise.resolve();
      const inserted = el.value;
      el.select();
      await new Promise(requestAnimationFrame);
      document.execCommand('delete');
      return { inserted, left: el.value };
    });
    expect(afterSelectAllAndDelete).toEqual({ inserted: expect.stringMatching(/^Please restart the VPN client, Alice/), left: '' });

    // After text, "/" lists both; the arrow moves the choice; Escape closes and keeps the text.
    await box.fill('');
    await box.pressSequentially('Hi. /');
    await eventually(() => list.getByRole('option').count()).toBe(2);
    expect(await box.getAttribute('aria-activedescendant')).toBe(await list.getByRole('option').nth(0).getAttribute('id'));
    await tech.page.keyboard.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).textContent()).toMatch(/^\/vpn-reset/);
    expect(await axeViolations(tech.page)).toEqual([]);
    await tech.page.keyboard.press('Escape');
    expect(await list.count()).toBe(0);
    expect(await box.inputValue()).toBe('Hi. /');
    // Once the "/" is gone, a new "/" opens the list again (Escape closed it for that text only).
    await tech.page.keyboard.press('Backspace');
    expect(await list.count()).toBe(0);
    await box.pressSequentially('/');
    await eventually(() => list.getByRole('option').count()).toBe(2);
    // Typing on keeps it open and narrows it; Tab inserts the chosen one in place of "/he".
    await box.pressSequentially('he');
    await eventually(() => list.getByRole('option').allTextContents()).toEqual([expect.stringMatching(/^\/hello/)]);
    await tech.page.keyboard.press('Tab');
    expect(await box.inputValue()).toBe('Hi. Hello Alice, this is Sam Desk from the service desk.');
    await tech.page.keyboard.press('Enter');
    await eventually(() => user.locator('.message-body', { hasText: 'Hello Alice, this is Sam Desk' }).count()).toBe(1);

    // A "/" in the middle of a word or a path is not a shortcut.
    await box.pressSequentially('see C:/he');
    expect(await list.count()).toBe(0);
  });
});
