/**
 * Files in chat in a real browser, both ways: chosen with the picker, pasted, dropped; an image
 * shows as its thumbnail to the other side and opens full size; a refused file is explained and
 * nothing is sent; a file chosen while offline is sent once when the connection is back, also
 * after a reload (it waits in the browser's storage).
 */
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, screenshotPath } from './support/browser.js';
import { HAS_PORTAL_BUILD, browserSuite, portalLogin, requestChat, eventually } from './support/portal.js';
import { techPage } from './support/console-ui.js';
import { axeViolations } from './support/a11y.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';

const png = (w: number, h: number, colour: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background: colour } })
    .png()
    .toBuffer();

/** Pastes or drops a file into the page as the browser would hand it over: in a DataTransfer. */
async function handOver(page: Page, how: 'paste' | 'drop', selector: string, file: { name: string; type: string; base64: string }, text?: string) {
  await page.evaluate(
    ({ how, selector, file, text }) => {
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], file.name, { type: file.type }));
      if (text) data.setData('text/plain', text);
      const target = document.querySelector(selector)!;
      if (how === 'paste') target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      else
        for (const type of ['dragenter', 'dragover', 'drop'])
          target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { how, selector, file, text },
  );
}

/** In the page: adds a file kept eight days ago to the outbox's storage ('put'), or lists what it keeps ('list'). */
const STORE_KEYS = (what: 'put' | 'list') =>
  new Promise<string[]>((resolve, reject) => {
    const req = indexedDB.open('helpdesk-outbox', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('files');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const store = req.result.transaction('files', 'readwrite').objectStore('files');
      if (what === 'put') {
        const put = store.put({ file: new Blob(['old']), at: Date.now() - 8 * 24 * 3600 * 1000 }, 'stale');
        put.onsuccess = () => resolve([]);
      } else {
        const keys = store.getAllKeys();
        keys.onsuccess = () => resolve(keys.result.map(String));
      }
    };
  });

const fileMessages = (page: Page) => page.getByTestId('message-file');
const imageLoaded = (page: Page, alt: string) =>
  page.locator(`img[alt="${alt}"]`).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 && img.src.endsWith('/thumb'));

describe.skipIf(!HAS_CHROMIUM || !HAS_PORTAL_BUILD)('files in chat', { timeout: 60000 }, () => {
  const suite = browserSuite({ FILE_MAX_MB: '1' });

  async function activeChatPages(subject: string) {
    const { s, b } = suite;
    const w = await s.f.world();
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);
    const chatId = await requestChat(user, subject, 'See the attached screenshot');
    const techHttp = await loginAs(s.url, 'tech', w.tech.email, PASSWORD);
    expect((await techHttp.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    const tech = await techPage(await b.newContext(), w.tech.email);
    await tech.page.goto(`/console/chats/${chatId}`);
    await tech.page.getByLabel('Message', { exact: true }).waitFor();
    await user.getByLabel('Message', { exact: true }).waitFor();
    return { w, user, tech: tech.page, chatId, techHttp };
  }

  it('picked, pasted and dropped: images show as thumbnails on the other side and open full size; other files download', async () => {
    const { user, tech, chatId } = await activeChatPages('Error on start');
    const red = await png(800, 600, '#d33');
    await user.getByTestId('file-picker').setInputFiles({ name: 'error dialog.png', mimeType: 'image/png', buffer: red });
    await eventually(() => imageLoaded(tech, 'error dialog.png')).toBe(true);
    await eventually(() => imageLoaded(user, 'error dialog.png')).toBe(true);
    const link = tech.getByRole('link', { name: 'Open error dialog.png full size' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    const [full] = await Promise.all([tech.context().waitForEvent('page'), link.click()]);
    await full.waitForLoadState();
    expect(await full.evaluate(() => document.contentType)).toBe('image/png');
    await full.close();

    // The tech pastes a screenshot into the message box; the user drops a log onto the conversation.
    const blue = await png(300, 200, '#36c');
    await handOver(tech, 'paste', 'textarea', { name: 'image.png', type: 'image/png', base64: blue.toString('base64') });
    await eventually(() => imageLoaded(user, 'image.png')).toBe(true);
    await handOver(user, 'drop', '[data-testid="file-drop"] .messages', {
      name: 'install.log',
      type: 'text/plain',
      base64: Buffer.from('step 3 failed').toString('base64'),
    });
    const logLink = tech.getByRole('link', { name: 'install.log' });
    await logLink.waitFor();
    expect(await logLink.getAttribute('download')).toBe('install.log');
    const [download] = await Promise.all([tech.waitForEvent('download'), logLink.click()]);
    expect(download.suggestedFilename()).toBe('install.log');
    // Several chosen at once arrive in the order they were chosen, the large one first.
    await user.getByTestId('file-picker').setInputFiles([
      { name: 'first-large.log', mimeType: 'text/plain', buffer: Buffer.alloc(900 * 1024, 'a') },
      { name: 'second-small.txt', mimeType: 'text/plain', buffer: Buffer.from('b') },
    ]);
    await tech.getByRole('link', { name: 'second-small.txt' }).waitFor();
    await tech.getByRole('link', { name: 'first-large.log' }).waitFor();
    const names = await fileMessages(tech).locator('a[download]').allTextContents();
    expect(names.slice(-2)).toEqual(['first-large.log', 'second-small.txt']);
    expect(await fileMessages(tech).count()).toBe(5);
    expect(await fileMessages(user).count()).toBe(5);
    expect(await axeViolations(tech)).toEqual([]);
    expect(await axeViolations(user)).toEqual([]);
    await tech.screenshot({ path: screenshotPath(`chat-files-console-${chatId}`) });
  });

  it('a refused file is explained where it was given, and nothing is sent', async () => {
    const { user, tech } = await activeChatPages('Refusals');
    await user.getByTestId('file-picker').setInputFiles({ name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
    await eventually(() => user.getByTestId('file-refusal').textContent()).toContain('.exe files are not allowed');
    // A name with a right-to-left override ("invoice‮fdp.exe" looks like invoiceexe.pdf) is named
    // as the server would store it: the override neither disguises it nor turns the sentence around.
    await user.getByTestId('file-picker').setInputFiles({ name: 'invoice\u202efdp.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') });
    await eventually(() => user.getByTestId('file-refusal').textContent()).toContain('invoicefdp.exe cannot be sent: .exe files are not allowed.');
    expect(await user.getByTestId('file-refusal').textContent()).not.toContain('\u202e');
    await user.getByTestId('file-picker').setInputFiles({ name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1024 * 1024 + 1, 1) });
    await eventually(() => user.getByTestId('file-refusal').textContent()).toContain('files may be up to 1.0 MB');
    await handOver(tech, 'drop', '[data-testid="file-drop"] .messages', {
      name: 'logo.svg',
      type: 'image/svg+xml',
      base64: Buffer.from('<svg/>').toString('base64'),
    });
    await eventually(() => tech.getByTestId('drop-refusal').textContent()).toContain('.svg files are not allowed');
    // Cells copied from a spreadsheet come with a picture of themselves: pasted, the text wins and no picture is sent.
    const cells = await png(50, 20, '#eee');
    await handOver(user, 'paste', 'textarea', { name: 'image.png', type: 'image/png', base64: cells.toString('base64') }, 'Cell A1\tCell B1');
    // (The synthetic paste does not insert text itself; what matters is that no file went.)
    // Contents not of the named type: refused by the server, shown with Discard and no Retry (sending it again cannot help).
    await user.getByTestId('file-picker').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
    const failed = user.locator('.message-failed', { hasText: 'fake.png' });
    await failed.getByRole('button', { name: 'Discard' }).waitFor();
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await failed.getByRole('button', { name: 'Discard' }).click();
    // A text message after the refusals arrives, and it is the only one besides the request.
    const box = user.getByLabel('Message', { exact: true });
    await box.fill('barrier');
    await box.press('Enter');
    await tech.locator('.message-body', { hasText: 'barrier' }).waitFor();
    expect(await fileMessages(tech).count()).toBe(0);
    expect(await fileMessages(user).count()).toBe(0);
  });

  it('a file on its way can be cancelled: its upload stops, nothing is stored, and a reload does not send it', async () => {
    const { s } = suite;
    const { user, tech, chatId } = await activeChatPages('Wrong file');
    // The upload is held on its way, as on a slow line.
    let asked = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await user.route('**/files?clientId=*', async (route) => {
      asked++;
      await held;
      await route.continue().catch(() => {});
    });
    await user.getByTestId('file-picker').setInputFiles({ name: 'payroll.xlsx.txt', mimeType: 'text/plain', buffer: Buffer.from('not for the helpdesk') });
    await user.locator('.message-sending', { hasText: 'payroll.xlsx.txt' }).waitFor();
    await eventually(() => asked).toBe(1);
    const aborted = user.waitForEvent('requestfailed', (r) => r.url().includes('/files?clientId='));
    await user.getByRole('button', { name: 'Cancel sending payroll.xlsx.txt' }).click();
    await eventually(() => user.locator('.message-sending', { hasText: 'payroll.xlsx.txt' }).count()).toBe(0);
    // The browser gave the request up: held here, it never reaches the server after that (letting
    // it go on before the browser's abort reached the route stored the file: a race of the test).
    await aborted;
    release();
    await user.unroute('**/files?clientId=*');
    const box = user.getByLabel('Message', { exact: true });
    await box.fill('Sorry, wrong file');
    await box.press('Enter');
    await tech.locator('.message-body', { hasText: 'Sorry, wrong file' }).waitFor();
    await user.reload();
    await user.getByLabel('Message', { exact: true }).waitFor();
    await user.locator('.message-body', { hasText: 'Sorry, wrong file' }).waitFor();
    await user.waitForTimeout(500);
    expect(await s.ctx.db.selectFrom('chat_files').select('id').where('chat_id', '=', chatId).execute()).toEqual([]);
    expect(await fileMessages(tech).count()).toBe(0);
    expect(await user.locator('.message-sending').count()).toBe(0);
    expect(asked).toBe(1);
    await eventually(() => user.evaluate(STORE_KEYS, 'list' as const)).toEqual([]);
  });

  it('a message written after a file while offline arrives after it, on both sides', async () => {
    const { s } = suite;
    const { user, tech, chatId } = await activeChatPages('In order');
    await user.context().setOffline(true);
    await user.getByTestId('file-picker').setInputFiles({ name: 'first.log', mimeType: 'text/plain', buffer: Buffer.alloc(256 * 1024, 'log line\n') });
    await user.locator('.message-sending', { hasText: 'first.log' }).waitFor();
    const box = user.getByLabel('Message', { exact: true });
    await box.fill('The log above shows the error');
    await box.press('Enter');
    await user.locator('.message-sending', { hasText: 'The log above' }).waitFor();
    await user.context().setOffline(false);
    await tech.locator('.message-body', { hasText: 'The log above shows the error' }).waitFor({ timeout: 20000 });
    const rows = await s.ctx.db.selectFrom('messages').select(['seq', 'body', 'file_id']).where('chat_id', '=', chatId).orderBy('seq').execute();
    const fileSeq = rows.find((r) => r.file_id !== null)?.seq;
    const textSeq = rows.find((r) => r.body === 'The log above shows the error')?.seq;
    expect(fileSeq).toBeDefined();
    expect(Number(fileSeq)).toBeLessThan(Number(textSeq));
    // The tech's page shows them in that order.
    const order = await tech.locator('.message-body, [data-testid="message-file"]').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    expect(order.findIndex((t) => t.includes('first.log'))).toBeLessThan(order.findIndex((t) => t.includes('The log above')));
  });

  it('chosen while offline, sent once when the connection is back; after a failed try and a reload, still sent once', async () => {
    const { s } = suite;
    const { user, tech, chatId } = await activeChatPages('Offline');
    await user.context().setOffline(true);
    await user.getByTestId('file-picker').setInputFiles({ name: 'offline.txt', mimeType: 'text/plain', buffer: Buffer.from('written on the train') });
    await user.locator('.message-sending', { hasText: 'offline.txt' }).waitFor();
    await user.context().setOffline(false);
    await tech.getByRole('link', { name: 'offline.txt' }).waitFor({ timeout: 20000 });

    // The upload itself fails (the network drops under it): queued; the page is reloaded; it is sent from the browser's storage.
    await user.route('**/files?clientId=*', (route) => route.abort('connectionreset'));
    await user.getByTestId('file-picker').setInputFiles({ name: 'retry.txt', mimeType: 'text/plain', buffer: Buffer.from('again') });
    await user.locator('.message-sending', { hasText: 'retry.txt' }).waitFor();
    await user.unroute('**/files?clientId=*');
    // A file left in the browser's storage a week ago by a tab long closed is tidied away on the next page load.
    await user.evaluate(STORE_KEYS, 'put' as const);
    await user.reload();
    await tech.getByRole('link', { name: 'retry.txt' }).waitFor({ timeout: 20000 });
    await user.getByRole('link', { name: 'retry.txt' }).waitFor();
    const rows = await s.ctx.db.selectFrom('chat_files').select(['filename']).where('chat_id', '=', chatId).execute();
    expect(rows.map((r) => r.filename).sort()).toEqual(['offline.txt', 'retry.txt']);
    expect(await user.locator('.message-sending').count()).toBe(0);
    // Sent files leave the storage; the stale one went with the reload.
    await eventually(() => user.evaluate(STORE_KEYS, 'list' as const)).toEqual([]);
  });
});
