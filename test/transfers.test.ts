/**
 * Transfer and invite (SPEC "The tech's workspace"): a chat offered to another tech, who accepts
 * or declines within the time (a clock the test moves); several techs in one chat; a chat sent
 * back to waiting on another board. Who hears what, who may do what, and races with one outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { ack, connect, received, waitFor, type TestSocket } from './support/sockets.js';
import { barrier } from './support/realtime.js';
import { NOTHING_FIRED, sweep, TestClock } from './support/clock.js';
import { exportTech } from '../src/server/services/privacy.js';

const ANSWER_MS = 60_000;

describe.each(DIALECTS)('transfer and invite on %s', (kind) => {
  let s: TestServer;
  const clock = new TestClock();
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    s = await startTestServer(kind, { CHAT_TRANSFER_ANSWER_SECONDS: String(ANSWER_MS / 1000) }, undefined, { clock });
  });
  afterAll(async () => {
    for (const so of sockets) so.close();
    await s?.stop();
  });
  const live = async (c: Client, nsp: '/console' | '/portal') => {
    const so = await connect(s.url, nsp, c);
    sockets.push(so);
    return so;
  };

  /** A board offered to a company, Ann (who joins), Ben and Cal with access, Dee on a second board only, and an active chat. */
  async function desk() {
    const boardId = await s.f.board();
    const otherBoard = await s.f.board();
    const companyId = await s.f.company({ boardIds: [boardId, otherBoard] });
    const grant = { boardIds: [boardId], companyIds: [companyId] };
    const ann = await s.f.tech({ ...grant, name: 'Ann Lead' });
    const ben = await s.f.tech({ ...grant, name: 'Ben Second' });
    const cal = await s.f.tech({ ...grant, name: 'Cal Bystander' });
    const dee = await s.f.tech({ boardIds: [otherBoard], companyIds: [companyId], name: 'Dee Other' });
    const user = await s.f.portalUser(companyId);
    const http = {
      ann: await loginAs(s.url, 'tech', ann.email, PASSWORD),
      ben: await loginAs(s.url, 'tech', ben.email, PASSWORD),
      cal: await loginAs(s.url, 'tech', cal.email, PASSWORD),
      dee: await loginAs(s.url, 'tech', dee.email, PASSWORD),
      user: await loginAs(s.url, 'portal', user.email, PASSWORD),
    };
    const r = await http.user.post('/api/portal/chats', { boardId, subject: 'VPN drops', message: 'The VPN drops every hour' });
    expect(r.status, r.text).toBe(201);
    const chatId = r.body.chat.id as number;
    expect((await http.ann.post(`/api/console/chats/${chatId}/join`)).status).toBe(200);
    return { boardId, otherBoard, companyId, ann, ben, cal, dee, user, http, chatId };
  }

  it('transfers to a tech who accepts: only they are offered it, then they hold the chat and the first tech no longer writes', async () => {
    const d = await desk();
    const [annS, benS, calS, userS] = await Promise.all([
      live(d.http.ann, '/console'),
      live(d.http.ben, '/console'),
      live(d.http.cal, '/console'),
      live(d.http.user, '/portal'),
    ]);
    await ack(userS, 'chat:subscribe', { chatId: d.chatId });

    const offered = await d.http.ann.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.ben.id });
    expect(offered.status, offered.text).toBe(200);
    expect(offered.body.pendingOffer).toMatchObject({ kind: 'transfer', from: { id: d.ann.id }, to: { id: d.ben.id, name: 'Ben Second' } });
    const offer = await waitFor(benS, 'chat:offered', (o) => o.chatId === d.chatId);
    expect(offer).toMatchObject({
      kind: 'transfer',
      status: 'pending',
      from: { name: 'Ann Lead' },
      chat: { subject: 'VPN drops', abilities: { write: false } },
    });
    // Ben sees it again after a reload; nobody else is offered it, and the portal hears nothing of it.
    expect((await d.http.ben.get('/api/console/offers')).body.map((o: { id: number }) => o.id)).toEqual([offer.id]);
    expect((await d.http.cal.get('/api/console/offers')).body).toEqual([]);
    await Promise.all([barrier(annS), barrier(calS), barrier(userS)]);
    expect(received(calS, 'chat:offered')).toEqual([]);
    expect(received(annS, 'chat:offered')).toEqual([]);
    expect(userS.events.filter((e) => e.name.startsWith('chat:offer') || JSON.stringify(e.payload).includes('pendingOffer'))).toEqual([]);

    const accepted = await d.http.ben.post(`/api/console/offers/${offer.id}/accept`);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'active',
      tech: { id: d.ben.id },
      techs: [{ id: d.ben.id, name: 'Ben Second' }],
      pendingOffer: null,
      abilities: { write: true, end: true },
    });
    await waitFor(annS, 'chat:offer-settled', (e) => e.offerId === offer.id && e.status === 'accepted');
    const line = await waitFor(userS, 'message', (m) => m.author.kind === 'system' && m.body.includes('transferred'));
    expect(line.body).toBe('Ann Lead transferred the chat to Ben Second');
    await waitFor(userS, 'chat', (c) => c.techs?.length === 1 && c.techs[0].name === 'Ben Second');

    // Ann may still see the chat, no longer write in it or end it; Ben may.
    expect((await d.http.ann.get(`/api/console/chats/${d.chatId}`)).body.abilities).toMatchObject({ write: false, end: false, transfer: false });
    const refused = await d.http.ann.post(`/api/console/chats/${d.chatId}/messages`, { body: 'still me?', clientId: 'ann-1' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_participant');
    expect((await d.http.ben.post(`/api/console/chats/${d.chatId}/messages`, { body: 'Ben here', clientId: 'ben-1' })).status).toBe(201);
    // Ben's Active list has it, Ann's no longer.
    expect((await d.http.ben.get('/api/console/status-bar')).body.active.map((c: { id: number }) => c.id)).toContain(d.chatId);
    expect((await d.http.ann.get('/api/console/status-bar')).body.active.map((c: { id: number }) => c.id)).not.toContain(d.chatId);
    // Every step is recorded.
    const events = (await d.http.ben.get(`/api/console/chats/${d.chatId}/transitions`)).body.map((t: { event: string }) => t.event);
    expect(events).toEqual(['request', 'join', 'offer_transfer', 'hand_over']);
    // Ann's data export still lists the chat she held before handing it on.
    expect((await exportTech(s.ctx, d.ann.id)).chats.map((c: { id: number }) => c.id)).toContain(d.chatId);
  });

  it('a declined offer, or one not answered in time, leaves the chat with the tech who offered it', async () => {
    const d = await desk();
    const annS = await live(d.http.ann, '/console');
    const first = await d.http.ann.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.ben.id });
    const offerId = first.body.pendingOffer.id as number;
    expect((await d.http.ben.post(`/api/console/offers/${offerId}/decline`)).status).toBe(200);
    await waitFor(annS, 'chat:offer-settled', (e) => e.offerId === offerId && e.status === 'declined');
    await waitFor(annS, 'chat', (c) => c.id === d.chatId && c.pendingOffer === null);
    const again = await d.http.ben.post(`/api/console/offers/${offerId}/accept`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'offer_settled', details: { status: 'declined' } });

    // Just before the minute is up nothing expires; at the minute the sweep settles it, once.
    const second = await d.http.ann.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.ben.id });
    const late = second.body.pendingOffer.id as number;
    clock.advance(ANSWER_MS - 1);
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
    clock.advance(1);
    expect(await sweep(s)).toEqual({ ...NOTHING_FIRED, transfers: 1 });
    expect(await sweep(s)).toEqual(NOTHING_FIRED);
    await waitFor(annS, 'chat:offer-settled', (e) => e.offerId === late && e.status === 'expired');
    const tooLate = await d.http.ben.post(`/api/console/offers/${late}/accept`);
    expect(tooLate.body.error).toMatchObject({ code: 'offer_settled', details: { status: 'expired' } });

    // An offer whose time ran out is refused even before a sweep has marked it.
    const third = await d.http.ann.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.ben.id });
    clock.advance(ANSWER_MS);
    const unswept = await d.http.ben.post(`/api/console/offers/${third.body.pendingOffer.id}/accept`);
    expect(unswept.status).toBe(409);
    expect(unswept.body.error.details.status).toBe('expired');
    expect(await sweep(s)).toEqual({ ...NOTHING_FIRED, transfers: 1 });

    const chat = (await d.http.ann.get(`/api/console/chats/${d.chatId}`)).body;
    expect(chat).toMatchObject({ status: 'active', tech: { id: d.ann.id }, techs: [{ id: d.ann.id }], pendingOffer: null, abilities: { write: true } });
  });

  it('an invited tech takes part beside the first: both write and hear the chat, the requester sees both, and either ends it', async () => {
    const d = await desk();
    const [benS, calS, userS] = await Promise.all([live(d.http.ben, '/console'), live(d.http.cal, '/console'), live(d.http.user, '/portal')]);
    await ack(userS, 'chat:subscribe', { chatId: d.chatId });
    await ack(calS, 'chat:subscribe', { chatId: d.chatId });
    const invited = await d.http.ann.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.ben.id });
    const offer = await waitFor(benS, 'chat:offered', (o) => o.chatId === d.chatId && o.kind === 'invite');
    expect(invited.body.pendingOffer.id).toBe(offer.id);
    const joined = await d.http.ben.post(`/api/console/offers/${offer.id}/accept`);
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body.techs.map((t: { name: string }) => t.name)).toEqual(['Ann Lead', 'Ben Second']);
    await waitFor(userS, 'message', (m) => m.body === 'Ben Second joined the chat');
    const portalView = (await d.http.user.get(`/api/portal/chats/${d.chatId}`)).body;
    expect(portalView.techs.map((t: { name: string }) => t.name)).toEqual(['Ann Lead', 'Ben Second']);
    expect(portalView).not.toHaveProperty('pendingOffer');

    // Ben's connection is in the chat's stream: he hears the requester; he writes, and so does Ann.
    expect((await d.http.user.post(`/api/portal/chats/${d.chatId}/messages`, { body: 'Thanks both', clientId: 'u-1' })).status).toBe(201);
    await waitFor(benS, 'message', (m) => m.body === 'Thanks both');
    expect((await d.http.ben.post(`/api/console/chats/${d.chatId}/messages`, { body: 'From Ben', clientId: 'b-1' })).status).toBe(201);
    expect((await d.http.ann.post(`/api/console/chats/${d.chatId}/messages`, { body: 'From Ann', clientId: 'a-1' })).status).toBe(201);
    await waitFor(userS, 'message', (m) => m.body === 'From Ben');
    expect((await ack(benS, 'chat:read', { chatId: d.chatId, seq: 1 })).ok).toBe(true);
    // Cal, who only follows it, may not write; a third tech cannot be invited while an offer waits.
    expect((await d.http.cal.post(`/api/console/chats/${d.chatId}/messages`, { body: 'me too', clientId: 'c-1' })).body.error.code).toBe('not_participant');
    expect((await d.http.ben.get('/api/console/status-bar')).body.active.map((c: { id: number }) => c.id)).toContain(d.chatId);

    // A pending offer is withdrawn when the chat ends.
    const pending = await d.http.ann.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.cal.id });
    const pendingId = pending.body.pendingOffer.id as number;
    const busy = await d.http.ben.post(`/api/console/chats/${d.chatId}/transfer`, { techId: d.cal.id });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('offer_pending');
    const ended = await d.http.ben.post(`/api/console/chats/${d.chatId}/end`, { outcome: 'ended' });
    expect(ended.status, ended.text).toBe(200);
    await waitFor(calS, 'chat:offer-settled', (e) => e.offerId === pendingId && e.status === 'withdrawn');
    const afterEnd = await d.http.cal.post(`/api/console/offers/${pendingId}/accept`);
    expect(afterEnd.body.error).toMatchObject({ code: 'offer_settled', details: { status: 'withdrawn' } });
    const events = (await d.http.ann.get(`/api/console/chats/${d.chatId}/transitions`)).body.map((t: { event: string }) => t.event);
    expect(events).toEqual(['request', 'join', 'offer_invite', 'add_tech', 'offer_invite', 'end']);
    // Found by either tech in search, and in the invited tech's own data export.
    const found = (await d.http.ann.get(`/api/console/search?techId=${d.ben.id}`)).body.map((c: { id: number }) => c.id);
    expect(found).toContain(d.chatId);
    expect((await exportTech(s.ctx, d.ben.id)).chats.map((c: { id: number }) => c.id)).toContain(d.chatId);
  });

  it('the transcript of a chat with an invited tech names every tech who took part, on the ticket and in each download', async () => {
    const d = await desk();
    const benS = await live(d.http.ben, '/console');
    expect((await d.http.ann.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.ben.id })).status).toBe(200);
    const offer = await waitFor(benS, 'chat:offered', (o) => o.chatId === d.chatId && o.kind === 'invite');
    expect((await d.http.ben.post(`/api/console/offers/${offer.id}/accept`)).status).toBe(200);
    const ended = await d.http.ben.post(`/api/console/chats/${d.chatId}/end`, { outcome: 'ticket_created', boardId: d.boardId, summary: 'VPN drops' });
    expect(ended.status, ended.text).toBe(200);
    const ticket = (await d.http.ann.get(`/api/console/tickets/${ended.body.ticketId}`)).body;
    const attachment = ticket.attachments.find((a: { filename: string }) => a.filename === `chat-${d.chatId}.txt`);
    const texts = [
      (await d.http.ann.get(`/api/console/tickets/${ticket.id}/attachments/${attachment.id}`)).text,
      (await d.http.user.get(`/api/portal/chats/${d.chatId}/transcript`)).text,
      (await d.http.ben.get(`/api/console/chats/${d.chatId}/transcript`)).text,
    ];
    for (const text of texts) {
      expect(text).toContain('\nTechnicians: Ann Lead, Ben Second\n');
      expect(text).not.toContain('\nTechnician: ');
    }
  });

  it('an invited tech steps out and the lead carries on; the lead steps out and the invited tech leads; the last tech may not', async () => {
    const d = await desk();
    const [annS, benS, calS, userS] = await Promise.all([
      live(d.http.ann, '/console'),
      live(d.http.ben, '/console'),
      live(d.http.cal, '/console'),
      live(d.http.user, '/portal'),
    ]);
    await ack(userS, 'chat:subscribe', { chatId: d.chatId });
    // Alone in it, Ann may not step out: she ends or transfers it instead.
    const alone = (await d.http.ann.get(`/api/console/chats/${d.chatId}`)).body;
    expect(alone.abilities.stepOut).toBe(false);
    const refusedAlone = await d.http.ann.post(`/api/console/chats/${d.chatId}/step-out`, {});
    expect(refusedAlone.status).toBe(409);
    expect(refusedAlone.body.error.code).toBe('last_tech_in_chat');
    const invite = async (by: Client, techId: number, so: TestSocket) => {
      expect((await by.post(`/api/console/chats/${d.chatId}/invite`, { techId })).status).toBe(200);
      const offer = await waitFor(so, 'chat:offered', (o) => o.chatId === d.chatId && o.kind === 'invite');
      const r = await (techId === d.ben.id ? d.http.ben : d.http.cal).post(`/api/console/offers/${offer.id}/accept`);
      expect(r.status, r.text).toBe(200);
    };
    await invite(d.http.ann, d.ben.id, benS);
    expect((await d.http.ben.get(`/api/console/chats/${d.chatId}`)).body.abilities.stepOut).toBe(true);
    // Cal, who only follows it, and the requester may not.
    const byCal = await d.http.cal.post(`/api/console/chats/${d.chatId}/step-out`, {});
    expect(byCal.status).toBe(403);
    expect(byCal.body.error.code).toBe('not_participant');
    expect((await d.http.user.post(`/api/console/chats/${d.chatId}/step-out`, {})).status).toBe(401);

    // Ben steps out: Ann carries on alone; Ben may read but no longer write.
    const benOut = await d.http.ben.post(`/api/console/chats/${d.chatId}/step-out`, {});
    expect(benOut.status, benOut.text).toBe(200);
    expect(benOut.body.techs.map((t: { name: string }) => t.name)).toEqual(['Ann Lead']);
    expect(benOut.body.abilities).toMatchObject({ write: false, stepOut: false, end: false });
    await waitFor(userS, 'message', (m) => m.body === 'Ben Second left the chat');
    await waitFor(userS, 'chat', (c) => c.id === d.chatId && c.techs.length === 1);
    await waitFor(annS, 'chat', (c) => c.id === d.chatId && c.techs.length === 1 && c.abilities.stepOut === false);
    const benWrites = await d.http.ben.post(`/api/console/chats/${d.chatId}/messages`, { body: 'still here?', clientId: 'b-9' });
    expect(benWrites.body.error.code).toBe('not_participant');
    expect((await d.http.ben.get('/api/console/status-bar')).body.active.map((c: { id: number }) => c.id)).not.toContain(d.chatId);
    expect((await d.http.ann.post(`/api/console/chats/${d.chatId}/messages`, { body: 'Ann here', clientId: 'a-9' })).status).toBe(201);
    // Stepping out twice changes nothing more.
    expect((await d.http.ben.post(`/api/console/chats/${d.chatId}/step-out`, {})).body.error.code).toBe('not_participant');

    // Cal is invited; Ann, the lead, invites nobody else and steps out: Cal leads it now.
    await invite(d.http.ann, d.cal.id, calS);
    const pending = await d.http.ann.post(`/api/console/chats/${d.chatId}/invite`, { techId: d.ben.id });
    const pendingId = pending.body.pendingOffer.id as number;
    const annOut = await d.http.ann.post(`/api/console/chats/${d.chatId}/step-out`, {});
    expect(annOut.status, annOut.text).toBe(200);
    // Her offer to Ben goes with her.
    await waitFor(benS, 'chat:offer-settled', (e) => e.offerId === pendingId && e.status === 'withdrawn');
    const calView = (await d.http.cal.get(`/api/console/chats/${d.chatId}`)).body;
    expect(calView.tech).toMatchObject({ id: d.cal.id, name: 'Cal Bystander' });
    expect(calView.techs.map((t: { name: string }) => t.name)).toEqual(['Cal Bystander']);
    expect(calView.abilities).toMatchObject({ write: true, end: true, stepOut: false });
    const portalView = (await d.http.user.get(`/api/portal/chats/${d.chatId}`)).body;
    expect(portalView.techs.map((t: { name: string }) => t.name)).toEqual(['Cal Bystander']);
    expect((await d.http.cal.post(`/api/console/chats/${d.chatId}/end`, { outcome: 'ended' })).status).toBe(200);
    const events = (await d.http.cal.get(`/api/console/chats/${d.chatId}/transitions`)).body.map((t: { event: string }) => t.event);
    expect(events).toEqual(['request', 'join', 'offer_invite', 'add_tech', 'remove_tech', 'offer_invite', 'add_tech', 'offer_invite', 'remove_tech', 'end']);
    // Stepping out of a chat that is over is refused.
    const afterEnd = await d.http.cal.post(`/api/console/chats/${d.chatId}/step-out`, {});
    expect(afterEnd.status).toBe(409);
  });

  it('refuses what does not make sense, with a stable code, and shows nothing to those who may not see it', async () => {
    const d = await desk();
    const post = (c: Client, path: string, body?: unknown) => c.post(path, body);
    const codeOf = async (c: Client, path: string, body?: unknown) => {
      const r = await post(c, path, body);
      return `${r.status} ${r.body.error?.code}`;
    };
    const dnr = await s.f.tech({ boardIds: [d.boardId], companyIds: [d.companyId], available: false, name: 'Dan Away' });
    // Whom it may go to: techs with access not in it (with their status, and whether their console
    // is open now), the boards of its company.
    const benConsole = await live(d.http.ben, '/console');
    const targets = (await d.http.ann.get(`/api/console/chats/${d.chatId}/transfer-targets`)).body;
    expect(targets.techs).toEqual([
      { id: d.ben.id, name: 'Ben Second', available: true, online: true },
      { id: d.cal.id, name: 'Cal Bystander', available: true, online: false },
      { id: dnr.id, name: 'Dan Away', available: false, online: false },
    ]);
    benConsole.close();
    await expect
      .poll(async () => (await d.http.ann.get(`/api/console/chats/${d.chatId}/transfer-targets`)).body.techs[0].online, { timeout: 5000 })
      .toBe(false);
    expect(targets.boards.map((b: { id: number }) => b.id).sort()).toEqual([d.boardId, d.otherBoard].sort());
    expect((await d.http.cal.get(`/api/console/chats/${d.chatId}/transfer-targets`)).status).toBe(403);
    expect((await d.http.dee.get(`/api/console/chats/${d.chatId}/transfer-targets`)).status).toBe(404);
    const t = `/api/console/chats/${d.chatId}/transfer`;
    expect(await codeOf(d.http.ann, t, { techId: d.ann.id })).toBe('409 already_in_chat');
    expect(await codeOf(d.http.ann, t, { techId: d.dee.id })).toBe('404 not_found');
    expect(await codeOf(d.http.ann, t, { techId: 999999 })).toBe('404 not_found');
    expect(await codeOf(d.http.ann, t, { techId: dnr.id })).toBe('409 tech_unavailable');
    expect(await codeOf(d.http.cal, t, { techId: d.ben.id })).toBe('403 not_participant');
    expect(await codeOf(d.http.dee, t, { techId: d.ben.id })).toBe('404 not_found');
    expect(await codeOf(d.http.user, t, { techId: d.ben.id })).toMatch(/^(401|403|404) /);
    for (const bad of [{}, { techId: 'x' }, { techId: d.ben.id, boardId: d.boardId }, { techId: -1 }, { boardId: 1.5 }])
      expect(await codeOf(d.http.ann, t, bad)).toBe('400 validation_failed');
    expect(await codeOf(d.http.ann, `/api/console/chats/${d.chatId}/invite`, { boardId: d.boardId })).toBe('400 validation_failed');

    const offerId = (await post(d.http.ann, t, { techId: d.ben.id })).body.pendingOffer.id as number;
    expect(await codeOf(d.http.ann, `/api/console/offers/${offerId}/accept`)).toBe('403 not_offer_recipient');
    expect(await codeOf(d.http.cal, `/api/console/offers/${offerId}/accept`)).toBe('404 not_found');
    expect(await codeOf(d.http.cal, `/api/console/offers/${offerId}/decline`)).toBe('404 not_found');
    expect(await codeOf(d.http.ben, `/api/console/offers/${offerId}/withdraw`)).toBe('403 not_participant');
    expect(await codeOf(d.http.ben, `/api/console/offers/${offerId}/accept`, { extra: 1 })).toBe('400 validation_failed');
    expect((await d.http.cal.get(`/api/console/chats/${d.chatId}`)).body.pendingOffer).toMatchObject({ to: { name: 'Ben Second' } });
    expect((await post(d.http.ann, `/api/console/offers/${offerId}/withdraw`)).status).toBe(200);
    expect(await codeOf(d.http.ben, `/api/console/offers/${offerId}/accept`)).toBe('409 offer_settled');
    expect(await codeOf(d.http.ann, `/api/console/offers/${offerId}/withdraw`)).toBe('409 offer_settled');

    // Not in an active chat: a waiting one cannot be transferred by anyone.
    const u = await s.f.portalUser(d.companyId);
    const uc = await loginAs(s.url, 'portal', u.email, PASSWORD);
    const waitingId = (await uc.post('/api/portal/chats', { boardId: d.boardId, subject: 'Waiting', message: 'hello' })).body.chat.id;
    expect(await codeOf(d.http.ann, `/api/console/chats/${waitingId}/transfer`, { boardId: d.otherBoard })).toBe('409 invalid_transition');
  });

  it('transfers to a board: back to waiting there with its history, its techs alerted, and those who may no longer see it hear no more', async () => {
    const d = await desk();
    const [annS, benS, deeS, userS] = await Promise.all([
      live(d.http.ann, '/console'),
      live(d.http.ben, '/console'),
      live(d.http.dee, '/console'),
      live(d.http.user, '/portal'),
    ]);
    await ack(userS, 'chat:subscribe', { chatId: d.chatId });
    await ack(annS, 'chat:subscribe', { chatId: d.chatId });
    expect((await d.http.user.post(`/api/portal/chats/${d.chatId}/messages`, { body: 'Before the transfer', clientId: 'u-b' })).status).toBe(201);

    const unoffered = await s.f.board();
    expect((await d.http.ann.post(`/api/console/chats/${d.chatId}/transfer`, { boardId: unoffered })).body.error.code).toBe('not_found');
    const moved = await d.http.ann.post(`/api/console/chats/${d.chatId}/transfer`, { boardId: d.otherBoard });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ status: 'waiting', board: { id: d.otherBoard }, tech: null, techs: [] });
    // Dee (the other board) is alerted; Ben (first board only) is not, and Ann does not see it any more.
    const alert = await waitFor(deeS, 'alert', (a) => a.chat.id === d.chatId);
    expect(alert.chat.status).toBe('waiting');
    await waitFor(userS, 'chat', (c) => c.id === d.chatId && c.status === 'waiting');
    await Promise.all([barrier(benS), barrier(annS)]);
    expect(received(benS, 'alert', (a) => a.chat.id === d.chatId)).toEqual([]);
    expect(received(annS, 'alert', (a) => a.chat.id === d.chatId)).toEqual([]);
    expect((await d.http.ann.get(`/api/console/chats/${d.chatId}`)).status).toBe(404);
    // Ann's lists are told to re-read (she gets no chat event for a chat she may not see).
    await waitFor(annS, 'statusbar:changed');
    expect((await d.http.ann.get('/api/console/status-bar')).body.active.map((c: { id: number }) => c.id)).not.toContain(d.chatId);

    // Dee joins: the history is there, and Ann's open stream hears nothing more of the chat.
    expect((await d.http.dee.post(`/api/console/chats/${d.chatId}/join`)).status).toBe(200);
    const history = (await d.http.dee.get(`/api/console/chats/${d.chatId}/messages`)).body.map((m: { body: string }) => m.body);
    expect(history).toContain('Before the transfer');
    expect(history).toContain(`Ann Lead transferred the chat to ${moved.body.board.name}: the next tech there will take it`);
    expect((await d.http.dee.post(`/api/console/chats/${d.chatId}/messages`, { body: 'Dee here, after', clientId: 'd-1' })).status).toBe(201);
    await waitFor(userS, 'message', (m) => m.body === 'Dee here, after');
    await barrier(annS);
    expect(received(annS, 'message', (m) => m.body === 'Dee here, after')).toEqual([]);
    const events = (await d.http.dee.get(`/api/console/chats/${d.chatId}/transitions`)).body.map((t: { event: string }) => t.event);
    expect(events).toEqual(['request', 'join', 'transfer', 'join']);
  });

  it('races have one outcome: two accepts, accept against end, transfer against the requester leaving', async () => {
    // Two accepts of one offer (two tabs of the offered tech).
    const a = await desk();
    const benTab2 = await loginAs(s.url, 'tech', a.ben.email, PASSWORD);
    const offerA = (await a.http.ann.post(`/api/console/chats/${a.chatId}/transfer`, { techId: a.ben.id })).body.pendingOffer.id;
    const twice = await Promise.all([a.http.ben.post(`/api/console/offers/${offerA}/accept`), benTab2.post(`/api/console/offers/${offerA}/accept`)]);
    expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
    const msgs = (await a.http.ben.get(`/api/console/chats/${a.chatId}/messages`)).body.filter((m: { body: string }) => m.body.includes('transferred'));
    expect(msgs).toHaveLength(1);

    // Accept against end.
    for (let i = 0; i < 3; i++) {
      const b = await desk();
      const offerB = (await b.http.ann.post(`/api/console/chats/${b.chatId}/transfer`, { techId: b.ben.id })).body.pendingOffer.id;
      const [accept, end] = await Promise.all([
        b.http.ben.post(`/api/console/offers/${offerB}/accept`),
        b.http.ann.post(`/api/console/chats/${b.chatId}/end`, { outcome: 'ended' }),
      ]);
      const row = await s.ctx.db.selectFrom('chats').select(['status', 'tech_id']).where('id', '=', b.chatId).executeTakeFirstOrThrow();
      const offer = await s.ctx.db.selectFrom('chat_offers').select('status').where('id', '=', offerB).executeTakeFirstOrThrow();
      if (accept.status === 200) {
        // Refused whether the end read the chat before the transfer (it changed) or after (not Ann's any more).
        expect([403, 409]).toContain(end.status);
        expect(row).toEqual({ status: 'active', tech_id: b.ben.id });
        expect(offer.status).toBe('accepted');
      } else {
        expect([accept.status, end.status]).toEqual([409, 200]);
        expect(row.status).toBe('completed');
        expect(Number(row.tech_id)).toBe(b.ann.id);
        expect(offer.status).toBe('withdrawn');
      }
    }

    // An offer made, or declined, while the chat ends: no error, and no pending offer on an ended chat.
    for (let i = 0; i < 4; i++) {
      const e = await desk();
      const declineFirst = i % 2 === 1;
      const pendingId = declineFirst ? (await e.http.ann.post(`/api/console/chats/${e.chatId}/invite`, { techId: e.ben.id })).body.pendingOffer.id : null;
      const [side, end] = await Promise.all([
        declineFirst
          ? e.http.ben.post(`/api/console/offers/${pendingId}/decline`)
          : e.http.ann.post(`/api/console/chats/${e.chatId}/invite`, { techId: e.ben.id }),
        e.http.ann.post(`/api/console/chats/${e.chatId}/end`, { outcome: 'ended' }),
      ]);
      expect(end.status, end.text).toBe(200);
      expect([200, 409]).toContain(side.status);
      const pending = await s.ctx.db.selectFrom('chat_offers').select('id').where('chat_id', '=', e.chatId).where('status', '=', 'pending').execute();
      expect(pending).toEqual([]);
    }

    // Transfer to a board against the requester leaving: never a waiting chat nobody is waiting in.
    for (let i = 0; i < 3; i++) {
      const c = await desk();
      const [moved, left] = await Promise.all([
        c.http.ann.post(`/api/console/chats/${c.chatId}/transfer`, { boardId: c.otherBoard }),
        c.http.user.post(`/api/portal/chats/${c.chatId}/leave`),
      ]);
      expect(left.status, left.text).toBe(200);
      const row = await s.ctx.db.selectFrom('chats').select(['status', 'left_at', 'board_id']).where('id', '=', c.chatId).executeTakeFirstOrThrow();
      if (moved.status === 200) {
        expect(row.status).toBe('abandoned');
        expect(Number(row.board_id)).toBe(c.otherBoard);
      } else {
        expect(moved.status).toBe(409);
        expect(row.status).toBe('active');
        expect(row.left_at).not.toBeNull();
      }
    }
  });
});
