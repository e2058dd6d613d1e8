/**
 * Webhooks end to end, against real HTTP receivers started here: endpoints managed by admins only,
 * the secret shown once, deliveries signed the Standard Webhooks way (verified with the
 * standardwebhooks library; a wrong secret fails), only the events an endpoint chose, retries with
 * backoff on a TestClock, a receiver that hangs timed out, pause after repeated failure with the
 * reason and resume, resend with the same webhook-id, and the Teams and Slack shapes with the
 * Join link. Jobs are driven by the test (runDue / idle), so nothing is sent behind its back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { type Client, loginAs } from './support/http.js';
import { activeChat, waitingChat, world, type World } from './support/flows.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { TestClock } from './support/clock.js';
import { checkWebhookUrl, maskedUrl } from '../src/server/services/webhook-address.js';
import { post } from '../src/server/services/webhook-delivery.js';
import { inTransaction } from '../src/server/services/context.js';

const PUBLIC = 'https://help.example.test';
const ENV = {
  WEBHOOK_PRIVATE_ADDRESSES: 'allow',
  WEBHOOK_TIMEOUT_MS: '400',
  WEBHOOK_PAUSE_AFTER_FAILURES: '4',
  WEBHOOK_PAUSE_AFTER_HOURS: '1',
  PUBLIC_URL: PUBLIC,
};

async function drain(s: TestServer) {
  // Until nothing due is left (a delivery may queue nothing more, but a batch may be larger than the runner's slots).
  for (let i = 0; i < 20; i++) {
    const n = await s.jobs.runDue();
    await s.jobs.idle();
    if (n === 0) return;
  }
}

const bodies = (r: Receiver) => r.received.map((x) => JSON.parse(x.body));

describe.each(DIALECTS)('webhooks on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };
  const create = async (body: Record<string, unknown>, c = admin) => c.post('/api/admin/webhooks', { description: '', format: 'standard', ...body });
  const deliveries = async (id: number, c = admin) => (await c.get(`/api/admin/webhooks/${id}/deliveries`)).body;

  beforeAll(async () => {
    s = await startTestServer(kind, ENV, undefined, { runJobs: false });
    w = await world(s);
    const a = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await s?.stop();
  });

  it('only an admin manages webhooks: a tech, a portal user and nobody are refused on every route', async () => {
    const r = await receiver();
    const made = await create({ url: r.url, events: ['chat.requested'] });
    expect(made.status).toBe(201);
    const id = made.body.endpoint.id;
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/admin/webhooks'],
      ['POST', '/api/admin/webhooks', { url: r.url, events: ['chat.requested'], format: 'standard' }],
      ['PATCH', `/api/admin/webhooks/${id}`, { description: 'x' }],
      ['DELETE', `/api/admin/webhooks/${id}`],
      ['POST', `/api/admin/webhooks/${id}/rotate-secret`, {}],
      ['POST', `/api/admin/webhooks/${id}/pause`, {}],
      ['POST', `/api/admin/webhooks/${id}/resume`, {}],
      ['GET', `/api/admin/webhooks/${id}/deliveries`],
      ['POST', `/api/admin/webhooks/${id}/deliveries/1/resend`, {}],
    ];
    for (const [method, path, body] of routes) {
      const asTech = await w.techClient.request(method, path, body);
      expect([asTech.status, asTech.body.error?.code], `${method} ${path}`).toEqual([403, 'admin_only']);
      expect((await w.userClient.request(method, path, body)).status, `${method} ${path}`).toBe(401);
      const anon = await fetch(s.url + path, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(anon.status, `${method} ${path}`).toBe(401);
    }
    // Nothing changed: the endpoint is there, not paused, with its description.
    const list = (await admin.get('/api/admin/webhooks')).body;
    expect(list.endpoints.find((e: { id: number }) => e.id === id)).toMatchObject({ description: '', paused: null });
    expect((await admin.request('DELETE', `/api/admin/webhooks/${id}`)).status).toBe(200);
  });

  it('refuses a URL that is not http(s), carries credentials or points at a link-local address, and a choice of no event', async () => {
    for (const url of [
      'ftp://example.com/hook',
      'javascript:alert(1)',
      'https://user:pw@example.com/hook',
      'http://169.254.169.254/latest',
      'http://[fe80::1]/x',
      'not a url',
    ]) {
      const r = await create({ url, events: ['chat.requested'] });
      expect([r.status, r.body.error.code], url).toEqual([400, 'webhook_url_refused']);
    }
    expect((await create({ url: 'https://example.com/hook', events: [] })).body.error.code).toBe('validation_failed');
    expect((await create({ url: 'https://example.com/hook', events: ['chat.exploded'] })).body.error.code).toBe('validation_failed');
    expect((await create({ url: 'https://example.com/hook', events: ['chat.requested'], format: 'email' })).body.error.code).toBe('validation_failed');
  });

  it('private and loopback addresses are refused unless the server allows them, also when a name resolves to one at delivery', async () => {
    expect(() => checkWebhookUrl('http://127.0.0.1:9/x', 'refuse')).toThrow(/private or loopback/);
    expect(() => checkWebhookUrl('http://10.1.2.3/x', 'refuse')).toThrow(/private or loopback/);
    expect(() => checkWebhookUrl('http://localhost/x', 'refuse')).toThrow(/private or loopback/);
    expect(() => checkWebhookUrl('http://[::ffff:127.0.0.1]/x', 'refuse')).toThrow(/private or loopback/);
    expect(checkWebhookUrl('http://10.1.2.3/x', 'allow')).toBe('http://10.1.2.3/x');
    expect(() => checkWebhookUrl('http://169.254.169.254/x', 'allow')).toThrow(/link-local/);
    const r = await receiver();
    const viaName = r.url.replace('127.0.0.1', 'localhost');
    const refused = await post(viaName, '{}', {}, { timeoutMs: 2000, privateAddresses: 'refuse' });
    expect(refused).toMatchObject({ status: null, error: expect.stringMatching(/address refused/) });
    // An address in the URL itself is checked too (no lookup is made for it).
    expect(await post(r.url, '{}', {}, { timeoutMs: 2000, privateAddresses: 'refuse' })).toMatchObject({
      status: null,
      error: expect.stringMatching(/address refused/),
    });
    expect(await post('http://[::ffff:7f00:1]:9/x', '{}', {}, { timeoutMs: 2000, privateAddresses: 'refuse' })).toMatchObject({
      error: expect.stringMatching(/address refused/),
    });
    expect(await post('not a url', '{}', {}, { timeoutMs: 2000, privateAddresses: 'allow' })).toMatchObject({ status: null, error: 'not a valid URL' });
    expect(r.received).toHaveLength(0);
    expect((await post(r.url, '{}', {}, { timeoutMs: 2000, privateAddresses: 'allow' })).status).toBe(200);
    expect(maskedUrl('https://hooks.slack.com/services/T000/B000/abcdefghijklmnopqrstuvwx')).toBe('https://hooks.slack.com/services/T000/B000/abcd…');
    expect(maskedUrl('https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?api-version=2016&sig=SECRET')).toBe(
      'https://x.logic.azure.com/workflows/1/triggers/manual/paths/invoke?api-version=…&sig=…',
    );
  });

  it('signs each delivery so the standardwebhooks library verifies it with the secret shown once; a wrong secret fails; the secret is in no list or log', async () => {
    const r = await receiver();
    const made = await create({ url: `${r.url}?token=abc123`, description: 'PSA', events: ['chat.requested'] });
    expect(made.status).toBe(201);
    const { endpoint, secret } = made.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ description: 'PSA', events: ['chat.requested'], format: 'standard', paused: null, failing: null });
    expect(endpoint.url).toBe(`${r.url}?token=…`);
    const chatId = await waitingChat(w, 'VPN down');
    await drain(s);
    expect(r.received).toHaveLength(1);
    const got = r.received[0];
    const headers = {
      'webhook-id': got.headers['webhook-id'] as string,
      'webhook-timestamp': got.headers['webhook-timestamp'] as string,
      'webhook-signature': got.headers['webhook-signature'] as string,
    };
    expect(headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{20,}$/);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const event = new Webhook(secret).verify(got.body, headers) as { type: string; data: { chat: Record<string, unknown> } };
    expect(event.type).toBe('chat.requested');
    expect(event.data.chat).toMatchObject({
      id: chatId,
      subject: 'VPN down',
      status: 'waiting',
      url: `${PUBLIC}/console/chats/${chatId}`,
      company: { id: w.companyId },
    });
    expect(got.headers['content-type']).toBe('application/json');
    const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => new Webhook(wrong).verify(got.body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(got.body.replace('VPN down', 'VPN up!!'), headers)).toThrow();

    // The log: delivered, one attempt with status, duration and the start of the answer.
    const log = await deliveries(endpoint.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ eventId: headers['webhook-id'], type: 'chat.requested', status: 'delivered', nextAttemptAt: null });
    expect(log[0].attempts).toEqual([{ at: expect.any(String), status: 200, durationMs: expect.any(Number), error: null, excerpt: 'ok' }]);

    const listText = (await admin.get('/api/admin/webhooks')).text;
    const logText = (await admin.get(`/api/admin/webhooks/${endpoint.id}/deliveries`)).text;
    const stored = await s.ctx.db.selectFrom('webhook_attempts').select(['error', 'excerpt']).execute();
    for (const text of [listText, logText, JSON.stringify(stored)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(6, 30));
      expect(text).not.toContain('abc123');
    }

    // Rotation: a new secret, shown once; the next delivery verifies with it and not with the old one.
    const rotated = await admin.post(`/api/admin/webhooks/${endpoint.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    await waitingChat(w, 'Mail slow');
    await drain(s);
    const next = r.received[1];
    const h2 = {
      'webhook-id': next.headers['webhook-id'] as string,
      'webhook-timestamp': next.headers['webhook-timestamp'] as string,
      'webhook-signature': next.headers['webhook-signature'] as string,
    };
    expect(() => new Webhook(rotated.body.secret).verify(next.body, h2)).not.toThrow();
    expect(() => new Webhook(secret).verify(next.body, h2)).toThrow();
    expect(h2['webhook-id']).not.toBe(headers['webhook-id']);
    expect((await admin.get('/api/admin/webhooks')).text).not.toContain(rotated.body.secret);
    await admin.request('DELETE', `/api/admin/webhooks/${endpoint.id}`);
  });

  it('an endpoint gets only the events it chose, each event once with one webhook-id for every endpoint', async () => {
    const a = await receiver();
    const b = await receiver();
    const none = await receiver();
    const ea = (await create({ url: a.url, events: ['chat.requested', 'chat.ended'] })).body.endpoint;
    const eb = (await create({ url: b.url, events: ['chat.requested', 'chat.joined', 'message.created', 'csat.received'] })).body.endpoint;
    const en = (await create({ url: none.url, events: ['ticket.created', 'chat.callback_requested'] })).body.endpoint;
    const chatId = await activeChat(w, 'Printer jam');
    const sent = await w.techClient.post(`/api/console/chats/${chatId}/messages`, { body: 'On my way', clientId: 'c-1' });
    expect(sent.status).toBe(201);
    expect((await w.techClient.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' })).status).toBe(200);
    expect((await w.userClient.post(`/api/portal/chats/${chatId}/rating`, { score: 5, comment: 'Quick!' })).status).toBe(200);
    await drain(s);
    expect(
      bodies(a)
        .map((e) => e.type)
        .sort(),
    ).toEqual(['chat.ended', 'chat.requested']);
    const typesB = bodies(b).map((e) => e.type);
    expect(new Set(typesB)).toEqual(new Set(['chat.requested', 'chat.joined', 'message.created', 'csat.received']));
    expect(typesB).not.toContain('chat.ended');
    const texts = bodies(b)
      .filter((e) => e.type === 'message.created')
      .map((e) => e.data.message.body);
    expect(texts).toContain('Help with Printer jam');
    expect(texts).toContain('On my way');
    expect(bodies(b).find((e) => e.type === 'csat.received').data.rating).toMatchObject({ score: 5, comment: 'Quick!' });
    expect(bodies(a).find((e) => e.type === 'chat.ended').data).toMatchObject({ outcome: 'ended', chat: { id: chatId, status: 'completed' } });
    expect(none.received).toHaveLength(0);
    expect(await deliveries(en.id)).toEqual([]);
    // The same event has one id for both endpoints; different events differ.
    const idA = a.received.find((x) => JSON.parse(x.body).type === 'chat.requested')!.headers['webhook-id'];
    const idB = b.received.find((x) => JSON.parse(x.body).type === 'chat.requested')!.headers['webhook-id'];
    expect(idA).toBe(idB);
    expect(new Set(b.received.map((x) => x.headers['webhook-id'])).size).toBe(b.received.length);
    // Nothing more arrives later.
    await drain(s);
    expect(a.received).toHaveLength(2);
    for (const e of [ea, eb, en]) await admin.request('DELETE', `/api/admin/webhooks/${e.id}`);
  });

  it('every other event: transferred (to a board and to a tech), ticket created, abandoned, completed, callback requested; a rolled-back change sends nothing', async () => {
    const r = await receiver();
    const ep = (
      await create({ url: r.url, events: ['chat.transferred', 'ticket.created', 'chat.abandoned', 'chat.completed', 'chat.callback_requested', 'chat.ended'] })
    ).body.endpoint;
    // To another board offered to the company, then to another tech who accepts.
    const board2 = await s.f.board();
    await s.ctx.db.insertInto('company_boards').values({ company_id: w.companyId, board_id: board2 }).execute();
    const tech2 = await s.f.tech({ boardIds: [w.boardId, board2], companyIds: [w.companyId], name: 'Tess Two' });
    const tech2Client = await loginAs(s.url, 'tech', tech2.email, PASSWORD);
    const toBoard = await activeChat(w, 'Move me');
    expect((await w.techClient.post(`/api/console/chats/${toBoard}/transfer`, { boardId: board2 })).status).toBe(200);
    const toTech = await activeChat(w, 'Hand me over');
    expect((await w.techClient.post(`/api/console/chats/${toTech}/transfer`, { techId: tech2.id })).status).toBe(200);
    const offer = await s.ctx.db.selectFrom('chat_offers').select('id').where('chat_id', '=', toTech).executeTakeFirstOrThrow();
    expect((await tech2Client.post(`/api/console/offers/${offer.id}/accept`, {})).status).toBe(200);
    // Ended with a ticket.
    const withTicket = await activeChat(w, 'Needs a ticket');
    const endedOk = await w.techClient.post(`/api/console/chats/${withTicket}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'Follow up' });
    expect(endedOk.status, endedOk.text).toBe(200);
    // Abandoned, then completed; a callback asked for.
    const gone = await waitingChat(w, 'Gone');
    expect((await w.userClient.post(`/api/portal/chats/${gone}/leave`)).status).toBe(200);
    expect((await w.techClient.post(`/api/console/chats/${gone}/complete`, { note: 'Called back, fixed' })).status).toBe(200);
    const cb = await waitingChat(w, 'Call me');
    expect((await w.userClient.post(`/api/portal/chats/${cb}/callback`, { phone: '+1 555 123 4567', preferredTime: 'after 3pm' })).status).toBe(200);
    // A change that rolls back queues nothing, even with an event recorded.
    await expect(
      inTransaction(s.ctx, async (_trx, outbox) => {
        outbox.add('chat.completed', { chatId: cb });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await drain(s);
    const got = bodies(r).map((e) => [e.type, e.data.chat?.id ?? e.data.chatId]);
    const ticketId = endedOk.body.ticketId;
    // Jobs run side by side: deliveries may arrive in any order (docs/integrations.md).
    expect(got).toHaveLength(7);
    expect(got).toEqual(
      expect.arrayContaining([
        ['chat.transferred', toBoard],
        ['chat.transferred', toTech],
        ['ticket.created', withTicket],
        ['chat.ended', withTicket],
        ['chat.abandoned', gone],
        ['chat.completed', gone],
        ['chat.callback_requested', cb],
      ]),
    );
    const find = (type: string, chatId: number) => bodies(r).find((e) => e.type === type && (e.data.chat?.id ?? e.data.chatId) === chatId);
    const [b1, b2, ticket, end, abandoned, callback] = [
      find('chat.transferred', toBoard),
      find('chat.transferred', toTech),
      find('ticket.created', withTicket),
      find('chat.ended', withTicket),
      find('chat.abandoned', gone),
      find('chat.callback_requested', cb),
    ];
    expect(b1.data).toMatchObject({ to: { kind: 'board', boardId: board2 }, chat: { status: 'waiting', board: { id: board2 } } });
    expect(b2.data).toMatchObject({ to: { kind: 'tech', techId: tech2.id }, fromTechId: w.tech.id, chat: { tech: { id: tech2.id, name: 'Tess Two' } } });
    expect(ticket.data).toMatchObject({ chatId: withTicket, ticket: { id: ticketId, summary: 'Follow up', company: { id: w.companyId } } });
    expect(end.data).toMatchObject({ outcome: 'ticket_created', ticketId });
    expect(abandoned.data.reason).toBe('left');
    expect(callback.data.callback).toEqual({ phone: '+1 555 123 4567', preferredTime: 'after 3pm', message: null });
    await admin.request('DELETE', `/api/admin/webhooks/${ep.id}`);
  });

  it('a redirect is not followed: it counts as a failed attempt', async () => {
    const target = await receiver();
    const r = await receiver();
    r.answer({ status: 307, headers: { location: target.url } });
    const ep = (await create({ url: r.url, events: ['chat.requested'] })).body.endpoint;
    await waitingChat(w);
    await drain(s);
    expect(r.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    const [d] = await deliveries(ep.id);
    expect(d).toMatchObject({ status: 'pending', attempts: [{ status: 307 }] });
    expect((await admin.get('/api/admin/webhooks')).body.endpoints.find((e: { id: number }) => e.id === ep.id).failing).toMatchObject({ count: 1 });
    await admin.request('DELETE', `/api/admin/webhooks/${ep.id}`);
    // Its job, still queued, finds the delivery gone with the endpoint and ends.
    expect(await s.ctx.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', ep.id).execute()).toEqual([]);
  });

  it('erasing a portal user redacts the stored deliveries about their chats (a resend sends the redacted body)', async () => {
    const r = await receiver();
    const ep = (await create({ url: r.url, events: ['chat.requested', 'message.created'] })).body.endpoint;
    const chatId = await waitingChat(w, 'Private matter');
    const user = w.user;
    await drain(s);
    expect(r.received.map((x) => x.body).join()).toContain(user.email);
    expect((await w.userClient.post(`/api/portal/chats/${chatId}/leave`)).status).toBe(200);
    const erased = await admin.post(`/api/admin/portal-users/${user.id}/erase`, { confirmEmail: user.email });
    expect(erased.status, erased.text).toBe(200);
    const stored = await s.ctx.db.selectFrom('webhook_deliveries').select(['body', 'event_type']).where('chat_id', '=', chatId).execute();
    expect(stored.length).toBe(2);
    for (const d of stored) {
      expect(d.body).not.toContain(user.email);
      expect(d.body).not.toContain('Private matter');
      expect(JSON.parse(d.body)).toMatchObject({ type: d.event_type, data: { erased: true, chatId } });
    }
    const [last] = await deliveries(ep.id);
    expect((await admin.post(`/api/admin/webhooks/${ep.id}/deliveries/${last.id}/resend`, {})).status).toBe(200);
    await drain(s);
    expect(r.received.at(-1)!.body).not.toContain(user.email);
    expect(r.received.at(-1)!.headers['webhook-id']).toBe(last.eventId);
    await admin.request('DELETE', `/api/admin/webhooks/${ep.id}`);
  });

  it('resends a delivery from the log with the same webhook-id; one still being sent is refused', async () => {
    const r = await receiver();
    const ep = (await create({ url: r.url, events: ['chat.requested'] })).body.endpoint;
    await waitingChat(w);
    const [pending] = await deliveries(ep.id);
    expect(pending.status).toBe('pending');
    const early = await admin.post(`/api/admin/webhooks/${ep.id}/deliveries/${pending.id}/resend`, {});
    expect([early.status, early.body.error.code]).toEqual([409, 'webhook_delivery_pending']);
    await drain(s);
    const again = await admin.post(`/api/admin/webhooks/${ep.id}/deliveries/${pending.id}/resend`, {});
    expect(again.status).toBe(200);
    await drain(s);
    expect(r.received).toHaveLength(2);
    expect(r.received[1].headers['webhook-id']).toBe(r.received[0].headers['webhook-id']);
    expect(r.received[1].body).toBe(r.received[0].body);
    const [log] = await deliveries(ep.id);
    expect(log).toMatchObject({ status: 'delivered' });
    expect(log.attempts.map((x: { status: number }) => x.status)).toEqual([200, 200]);
    // Another endpoint's delivery is not found under this one.
    const other = (await create({ url: r.url, events: ['chat.ended'] })).body.endpoint;
    expect((await admin.post(`/api/admin/webhooks/${other.id}/deliveries/${pending.id}/resend`, {})).status).toBe(404);
    for (const e of [ep, other]) await admin.request('DELETE', `/api/admin/webhooks/${e.id}`);
  });

  it('Teams and Slack formats turn "chat requested" into a card with a Join link, other events into a short text', async () => {
    const teams = await receiver();
    const slack = await receiver();
    const et = (await create({ url: teams.url, events: ['chat.requested', 'chat.ended'], format: 'teams' })).body.endpoint;
    const es = (await create({ url: slack.url, events: ['chat.requested', 'chat.ended'], format: 'slack' })).body.endpoint;
    const chatId = await activeChat(w, 'Laptop <b>won’t</b> boot & beeps');
    await w.techClient.post(`/api/console/chats/${chatId}/end`, { outcome: 'ended' });
    await drain(s);
    const join = `${PUBLIC}/console/chats/${chatId}`;
    const teamsCard = (b: { attachments: { content: { body: { text?: string }[] } }[] }) => b.attachments[0].content.body[0].text === 'Chat requested';
    const tReq = bodies(teams).find(teamsCard);
    const tEnd = bodies(teams).find((b) => !teamsCard(b));
    expect(tReq.type).toBe('message');
    const card = tReq.attachments[0];
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Chat requested' });
    expect(card.content.body[1].facts).toContainEqual({ title: 'Subject', value: 'Laptop <b>won’t</b> boot & beeps' });
    expect(card.content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Join', url: join }]);
    expect(tEnd.attachments[0].content.body).toEqual([{ type: 'TextBlock', text: expect.stringMatching(/^Chat with .* ended: Laptop/), wrap: true }]);

    const sReq = bodies(slack).find((b) => b.blocks);
    const sEnd = bodies(slack).find((b) => !b.blocks);
    expect(sReq.text).toMatch(/^Chat requested by .* on .*: Laptop &lt;b&gt;won’t&lt;\/b&gt; boot &amp; beeps$/);
    expect(sReq.blocks[0].type).toBe('section');
    expect(sReq.blocks[0].text.text).toContain('*Subject:* Laptop &lt;b&gt;won’t&lt;/b&gt; boot &amp; beeps');
    expect(sReq.blocks[1]).toEqual({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Join' }, url: join, style: 'primary' }],
    });
    expect(Object.keys(sEnd)).toEqual(['text']);
    expect(sEnd.text).toMatch(/ended: Laptop/);
    // Signed like every delivery.
    expect(slack.received.map((x) => x.headers['webhook-signature'])).toEqual([expect.stringMatching(/^v1,/), expect.stringMatching(/^v1,/)]);
    for (const e of [et, es]) await admin.request('DELETE', `/api/admin/webhooks/${e.id}`);
  });
});

describe.each(DIALECTS)('webhook retries and pausing on %s', (kind) => {
  let s: TestServer;
  let w: World;
  let admin: Client;
  const clock = new TestClock();
  let r: Receiver;
  beforeAll(async () => {
    s = await startTestServer(kind, ENV, undefined, { runJobs: false, clock });
    w = await world(s);
    const a = await s.f.tech({ role: 'admin', name: 'Ada Admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    r = await startReceiver();
  });
  afterAll(async () => {
    await r?.close();
    await s?.stop();
  });
  const log = async (id: number) => (await admin.get(`/api/admin/webhooks/${id}/deliveries`)).body;
  const endpoint = async (id: number) => (await admin.get('/api/admin/webhooks')).body.endpoints.find((e: { id: number }) => e.id === id);
  const run = async () => {
    const n = await s.jobs.runDue();
    await s.jobs.idle();
    return n;
  };

  it('a receiver that hangs is timed out and tried again after the backoff', async () => {
    r.answer('hang');
    const ep = (await admin.post('/api/admin/webhooks', { url: r.url, events: ['chat.requested'], format: 'standard' })).body.endpoint;
    await waitingChat(w);
    const started = Date.now();
    expect(await run()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
    let [d] = await log(ep.id);
    expect(d.status).toBe('pending');
    expect(d.attempts).toEqual([{ at: expect.any(String), status: null, durationMs: expect.any(Number), error: 'no answer within 400 ms', excerpt: '' }]);
    expect(d.attempts[0].durationMs).toBeGreaterThanOrEqual(390);
    const next = Date.parse(d.nextAttemptAt);
    expect(next - clock.now()).toBeGreaterThanOrEqual(8_000);
    expect(next - clock.now()).toBeLessThanOrEqual(12_000);
    // Not before its time.
    expect(await run()).toBe(0);
    r.answer({ status: 204 });
    clock.advance(next - clock.now());
    expect(await run()).toBe(1);
    [d] = await log(ep.id);
    expect(d.status).toBe('delivered');
    expect(d.attempts.map((a: { status: number | null }) => a.status)).toEqual([null, 204]);
    expect(r.received).toHaveLength(2);
    expect(r.received[1].headers['webhook-id']).toBe(r.received[0].headers['webhook-id']);
    expect(await endpoint(ep.id)).toMatchObject({ failing: null, paused: null });
    await admin.request('DELETE', `/api/admin/webhooks/${ep.id}`);
    r.received.length = 0;
  });

  it('a receiver answering 500 is retried with growing backoff, then the endpoint is paused with the reason; later events are held and resuming sends them', async () => {
    r.answer({ status: 500, body: 'Internal Server Error: database on fire' });
    const ep = (await admin.post('/api/admin/webhooks', { url: r.url, events: ['chat.requested'], format: 'standard' })).body.endpoint;
    const first = await waitingChat(w, 'First');
    const gaps: number[] = [];
    for (let i = 0; i < 30; i++) {
      expect(await run()).toBe(1);
      const [d] = await log(ep.id);
      if (d.status !== 'pending') break;
      const wait = Date.parse(d.nextAttemptAt) - clock.now();
      gaps.push(wait);
      clock.advance(wait - 1);
      expect(await run()).toBe(0);
      clock.advance(1);
    }
    const [d] = await log(ep.id);
    expect(d.status).toBe('held');
    // 10 s doubling (±20%): each wait longer than the one before until the hour's cap.
    expect(gaps[0]).toBeGreaterThanOrEqual(8_000);
    for (let i = 1; i < Math.min(gaps.length, 6); i++) expect(gaps[i]).toBeGreaterThan(gaps[i - 1]);
    expect(d.attempts.length).toBeGreaterThanOrEqual(4);
    expect(d.attempts.every((a: { status: number }) => a.status === 500)).toBe(true);
    expect(d.attempts[0].excerpt).toBe('Internal Server Error: database on fire');
    const paused = await endpoint(ep.id);
    expect(paused.paused.reason).toMatch(/^Paused automatically: all \d+ attempts since .* failed \(the last: HTTP 500\)\.$/);
    expect(paused.failing.count).toBe(d.attempts.length);
    expect(r.received.length).toBe(d.attempts.length);

    // Paused: a new event is held, not sent.
    const before = r.received.length;
    await waitingChat(w, 'Second');
    expect(await run()).toBe(0);
    expect(r.received).toHaveLength(before);
    expect((await log(ep.id)).map((x: { status: string }) => x.status)).toEqual(['held', 'held']);

    // The admin fixes the receiver and resumes: both held deliveries go, with their own ids.
    r.answer({ status: 200, body: 'thanks' });
    const resumed = await admin.post(`/api/admin/webhooks/${ep.id}/resume`, {});
    expect(resumed.body).toMatchObject({ paused: null, failing: null });
    expect(await run()).toBe(2);
    expect((await log(ep.id)).map((x: { status: string }) => x.status)).toEqual(['delivered', 'delivered']);
    const subjects = r.received.slice(before).map((x) => JSON.parse(x.body).data.chat.subject);
    expect(subjects.sort()).toEqual(['First', 'Second']);
    expect(JSON.parse(r.received[0].body).data.chat.id).toBe(first);

    // Paused by hand, with who did it.
    const byHand = await admin.post(`/api/admin/webhooks/${ep.id}/pause`, {});
    expect(byHand.body.paused.reason).toBe('Paused by Ada Admin.');
    await admin.request('DELETE', `/api/admin/webhooks/${ep.id}`);
  });

  it('a delivery failing for a day is given up and marked failed', async () => {
    r.answer({ status: 503 });
    // Never paused here: the streak needs more failures than a day of retries makes.
    await s.stop();
    s = await startTestServer(kind, { ...ENV, WEBHOOK_PAUSE_AFTER_FAILURES: '1000' }, undefined, { runJobs: false, clock });
    w = await world(s);
    const a = await s.f.tech({ role: 'admin' });
    admin = await loginAs(s.url, 'tech', a.email, PASSWORD);
    const ep = (await admin.post('/api/admin/webhooks', { url: r.url, events: ['chat.requested'], format: 'standard' })).body.endpoint;
    await waitingChat(w);
    const start = clock.now();
    for (let i = 0; i < 60; i++) {
      await run();
      const [d] = await log(ep.id);
      if (d.status !== 'pending') break;
      clock.advance(Date.parse(d.nextAttemptAt) - clock.now());
    }
    const [d] = await log(ep.id);
    expect(d).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(Date.parse(d.attempts.at(-1).at) - start).toBeLessThanOrEqual(24 * 3600_000);
    expect(Date.parse(d.attempts.at(-1).at) - start).toBeGreaterThan(20 * 3600_000);
    expect((await endpoint(ep.id)).paused).toBeNull();
  });
});
