/**
 * Two nodes behind a real nginx running the repository's own configuration
 * (deploy/nginx/helpdesk.conf), as docs/deploy.md tells an operator to set it up: signed-in
 * people are spread over both nodes and each stays on one; a portal user and a tech chat in
 * Chromium through the proxy, over WebSockets that nginx upgrades, and send a file of several MB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, HAS_WEB_BUILD, launch, type Browsers } from './support/browser.js';
import { ALWAYS_OPEN, portalLogin, requestChat } from './support/portal.js';
import { eventually, techPage, toast } from './support/console-ui.js';
import { clusterUnavailable, startCluster, type Cluster } from '../test/support/cluster.js';
import { HAS_NGINX, startNginx, type Nginx } from '../test/support/nginx.js';
import { loginAs } from '../test/support/http.js';
import { PASSWORD } from '../test/support/server.js';
import { saveOfficeHours } from '../src/server/services/office-hours.js';

// CI (REQUIRE_BROWSER=1) installs nginx and must run this; elsewhere a missing nginx skips it.
const skip = clusterUnavailable() !== null || !HAS_CHROMIUM || !HAS_WEB_BUILD || (!HAS_NGINX && process.env.REQUIRE_BROWSER !== '1');

describe.skipIf(skip)('two nodes behind nginx', { timeout: 90_000 }, () => {
  let cluster: Cluster;
  let nginx: Nginx;
  let b: Browsers;
  beforeAll(async () => {
    // The nodes trust the proxy on loopback for the client's address and scheme.
    cluster = await startCluster(2, { redisUrl: process.env.REDIS_URL!, env: { TRUST_PROXY: '127.0.0.1', CHAT_WAIT_OFFER_SECONDS: '600' } });
    await saveOfficeHours(cluster.handle.db, { timezone: 'UTC', schedule: ALWAYS_OPEN });
    nginx = await startNginx(cluster.nodes.map((n) => n.port));
    b = await launch(nginx.url);
  });
  afterAll(async () => {
    await b?.close();
    await nginx?.stop();
    await cluster?.stop();
  });

  const upstreamPort = (upstream: string) => Number(upstream.split(':').pop());

  it('spreads signed-in people over both nodes, and keeps each person on one node', async () => {
    const w = await cluster.f.world();
    const people = [];
    for (let i = 0; i < 24; i++) people.push(await loginAs(nginx.url, 'portal', (await cluster.f.portalUser(w.companyId)).email, PASSWORD));
    for (const p of people) for (let k = 0; k < 3; k++) expect((await p.get('/api/portal/chats')).status).toBe(200);
    const readsLogged = () => nginx.accessLog().filter((l) => l.uri === '/api/portal/chats' && l.method === 'GET');
    // nginx writes a request's line after the answer has gone out: the last may come a moment later.
    await eventually(() => readsLogged().length).toBe(72);
    const reads = readsLogged();
    expect(reads).toHaveLength(72);
    // Both nodes served; each person's three reads went to one node.
    expect(new Set(reads.map((l) => upstreamPort(l.upstream)))).toEqual(new Set(cluster.nodes.map((n) => n.port)));
    for (let i = 0; i < reads.length; i += 3) expect(new Set(reads.slice(i, i + 3).map((l) => l.upstream)).size).toBe(1);
  });

  it('a portal user and a tech chat in the browser through the proxy, over upgraded WebSockets', async () => {
    const w = await cluster.f.world();
    const tech = await techPage(await b.newContext(), w.tech.email);
    const user = await (await b.newContext()).newPage();
    await portalLogin(user, w.user.email);

    const chatId = await requestChat(user, 'Proxy check', 'Does the chat cross nginx?');
    await eventually(() => toast(tech.page, chatId).isVisible()).toBe(true);
    await toast(tech.page, chatId).getByRole('button', { name: /^Join/ }).click();
    await tech.page.waitForURL(new RegExp(`/console/chats/${chatId}$`));
    await eventually(() => user.getByTestId('tech-name').isVisible()).toBe(true);

    const techBox = tech.page.getByLabel('Message', { exact: true });
    await techBox.fill('Hello through the proxy');
    await techBox.press('Enter');
    await eventually(() => user.locator('.message-body', { hasText: 'Hello through the proxy' }).count()).toBe(1);
    const userBox = user.getByLabel('Message', { exact: true });
    await userBox.fill('Received, thanks');
    await userBox.press('Enter');
    await eventually(() => tech.page.locator('.message-body', { hasText: 'Received, thanks' }).count()).toBe(1);
    expect(tech.dialogs).toEqual([]);

    // A file of several MB crosses the proxy (its body limit and streaming), and the other side opens it.
    const log = Buffer.alloc(3 * 1024 * 1024, 'log line\n');
    await user.getByTestId('file-picker').setInputFiles({ name: 'big.log', mimeType: 'text/plain', buffer: log });
    await tech.page.getByRole('link', { name: 'big.log' }).waitFor();

    // nginx upgraded the Socket.IO connections to WebSockets (101), and every request reached a
    // node. A WebSocket is logged when it closes: close both pages first.
    await tech.page.context().close();
    await user.context().close();
    const upgraded = () => nginx.accessLog().filter((l) => l.uri === '/socket.io/' && l.status === 101 && l.upgrade.toLowerCase() === 'websocket');
    await eventually(() => upgraded().length >= 2).toBe(true);
    const entries = nginx.accessLog();
    expect(entries.filter((l) => l.status === 502 || l.status === 504 || l.status === 413)).toEqual([]);
  });
});
