/**
 * Files in chat, over the real HTTP API on both databases: sent both ways, streamed into the
 * database, served only to who may see the chat and never inline as HTML or SVG; refused before
 * anything is stored when too big, of a type not allowed, or not what its name says; a retry stored
 * once; copied to the ticket with the transcript, which lists them; removed by erasure.
 */
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import { startTestServer, PASSWORD, type TestServer } from './support/server.js';
import { loginAs, type Client } from './support/http.js';
import { activeChat, completedChat, waitingChat, world, type World } from './support/flows.js';
import { sweepAbandonedFiles } from '../src/server/services/files.js';
import { erasePortalUser } from '../src/server/services/privacy.js';

const MAX_MB = 1;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a7bd5' } })
    .png()
    .toBuffer();
let n = 0;
const cid = () => `file-${Date.now()}-${++n}`;

describe.each(DIALECTS)('files in chat on %s', (kind) => {
  let s: TestServer;
  let w: World;
  beforeAll(async () => {
    s = await startTestServer(kind, { FILE_MAX_MB: String(MAX_MB) });
    w = await world(s);
  });
  afterAll(async () => s?.stop());

  const send = (c: Client, side: 'portal' | 'console', chatId: number, name: string, bytes: Uint8Array | string, clientId = cid()) =>
    c.upload(`/api/${side}/chats/${chatId}/files?clientId=${clientId}`, name, bytes);
  const count = async (table: 'chat_files' | 'file_chunks') =>
    Number(
      (
        await s.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('an image from the portal: stored in pieces, shown with a thumbnail to the tech, downloaded byte for byte as an attachment', async () => {
    const id = await activeChat(w);
    const image = await png(1200, 800);
    const r = await send(w.userClient, 'portal', id, 'screen shot.png', image);
    expect(r.status, r.text).toBe(201);
    const m = r.body.message;
    expect(m).toMatchObject({
      body: 'screen shot.png',
      author: { kind: 'portal' },
      file: { name: 'screen shot.png', type: 'image/png', image: true, width: 1200, height: 800 },
    });
    expect(m.file.size).toBe(image.length);
    // The tech reads it in the chat's messages, with its file.
    const list = (await w.techClient.get(`/api/console/chats/${id}/messages`)).body;
    expect(list.at(-1)).toMatchObject({ seq: m.seq, file: { id: m.file.id, image: true } });
    const dl = await fetch(`${s.url}/api/console/files/${m.file.id}`, { headers: { cookie: w.techClient.cookieHeader() } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`);
    expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
    expect(sha(new Uint8Array(await dl.arrayBuffer()))).toBe(sha(image));
    // Opened full size: inline, under a policy that runs nothing.
    const view = await fetch(`${s.url}/api/console/files/${m.file.id}?view=1`, { headers: { cookie: w.techClient.cookieHeader() } });
    expect(view.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(view.headers.get('content-security-policy')).toContain('sandbox');
    const thumb = await fetch(`${s.url}/api/portal/files/${m.file.id}/thumb`, { headers: { cookie: w.userClient.cookieHeader() } });
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([320, 213]);
  });

  it('a file from the tech over several pieces: the portal downloads it whole; a text file never renders, whatever it holds', async () => {
    const id = await activeChat(w);
    const big = randomBytes(900 * 1024);
    const r = await send(w.techClient, 'console', id, 'logs.zip', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), big]));
    expect(r.status, r.text).toBe(201);
    expect(r.body.message.file).toMatchObject({ type: 'application/zip', image: false, width: null });
    const dl = await fetch(`${s.url}/api/portal/files/${r.body.message.file.id}`, { headers: { cookie: w.userClient.cookieHeader() } });
    expect(dl.headers.get('content-length')).toBe(String(big.length + 4));
    expect(sha(new Uint8Array(await dl.arrayBuffer()))).toBe(sha(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), big])));
    const html = await send(w.userClient, 'portal', id, 'page.txt', '<html><script>alert(1)</script></html>');
    const got = await fetch(`${s.url}/api/console/files/${html.body.message.file.id}?view=1`, { headers: { cookie: w.techClient.cookieHeader() } });
    expect(got.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    // Asking to view is no way around it: only raster images are ever inline.
    expect(got.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('refused before anything is stored: too big (declared or streamed), a type not allowed, contents not of the named type, empty', async () => {
    const id = await activeChat(w);
    const [files, chunks] = [await count('chat_files'), await count('file_chunks')];
    const tooBig = await send(w.userClient, 'portal', id, 'big.pdf', Buffer.concat([Buffer.from('%PDF-'), randomBytes(MAX_MB * 1024 * 1024)]));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({ code: 'file_too_large', details: { maxBytes: MAX_MB * 1024 * 1024 } });
    // Without a length given in advance: stopped at the limit while streaming.
    const boundary = 'xBOUNDARYx';
    const parts = [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="stream.zip"\r\nContent-Type: application/zip\r\n\r\nPK\u0003\u0004`),
      ...Array.from({ length: 6 }, () => randomBytes(256 * 1024)),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ];
    const streamed = await w.userClient.request('POST', `/api/portal/chats/${id}/files?clientId=${cid()}`, undefined, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      stream: new ReadableStream({
        pull(c) {
          const next = parts.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      }),
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body.error.code).toBe('file_too_large');
    for (const name of ['setup.exe', 'page.html', 'logo.svg', 'noextension', 'script.JS']) {
      const r = await send(w.userClient, 'portal', id, name, 'x');
      expect(r.status, name).toBe(415);
      expect(r.body.error.code, name).toBe('file_type_refused');
    }
    const fake = await send(w.userClient, 'portal', id, 'photo.png', '<svg onload="alert(1)"></svg>');
    expect(fake.body.error.code).toBe('file_type_refused');
    expect(fake.body.error.message).toContain('not what its name says');
    expect((await send(w.userClient, 'portal', id, 'empty.txt', '')).body.error.code).toBe('file_empty');
    expect([await count('chat_files'), await count('file_chunks')]).toEqual([files, chunks]);
    // Nothing was sent either.
    const list = (await w.userClient.get(`/api/portal/chats/${id}/messages`)).body;
    expect(list.filter((m: { file?: unknown }) => m.file)).toHaveLength(0);
  });

  it('a retry with the same client id is stored once, also when both arrive at once', async () => {
    const id = await activeChat(w);
    const clientId = cid();
    const first = await send(w.userClient, 'portal', id, 'a.txt', 'hello', clientId);
    const again = await send(w.userClient, 'portal', id, 'a.txt', 'hello', clientId);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toMatchObject({ duplicate: true, message: { id: first.body.message.id, file: { id: first.body.message.file.id } } });
    const racing = cid();
    const both = await Promise.all([1, 2, 3].map(() => send(w.userClient, 'portal', id, 'b.txt', 'same', racing)));
    expect(new Set(both.map((b) => b.body.message.id)).size).toBe(1);
    expect(new Set(both.map((b) => b.body.message.file.id)).size).toBe(1);
    const rows = await s.ctx.db.selectFrom('chat_files').select('id').where('chat_id', '=', id).where('client_id', '=', racing).execute();
    expect(rows).toHaveLength(1);
  });

  it('only who may write sends, only who may see downloads: others are told not found, and nothing is stored', async () => {
    const id = await activeChat(w);
    const sent = await send(w.userClient, 'portal', id, 'private.txt', 'secret');
    const fileId = sent.body.message.file.id;
    const stranger = await loginAs(s.url, 'portal', (await s.f.portalUser(w.companyId)).email, PASSWORD);
    const otherBoard = await s.f.board();
    const outsider = await s.f.tech({ boardIds: [otherBoard] });
    const outsiderClient = await loginAs(s.url, 'tech', outsider.email, PASSWORD);
    const before = await count('chat_files');
    for (const [c, side] of [
      [stranger, 'portal'],
      [outsiderClient, 'console'],
    ] as const) {
      expect((await send(c, side, id, 'x.txt', 'x')).status).toBe(404);
      expect((await c.get(`/api/${side}/files/${fileId}`)).status).toBe(404);
      expect((await c.get(`/api/${side}/files/${fileId}/thumb`)).status).toBe(404);
    }
    expect((await fetch(`${s.url}/api/portal/files/${fileId}`)).status).toBe(401);
    // A tech who has not joined may see the waiting chat but not write in it.
    const waiting = await waitingChat(w);
    expect((await send(w.techClient, 'console', waiting, 'x.txt', 'x')).body.error.code).toBe('invalid_transition');
    const done = await completedChat(w);
    expect((await send(w.userClient, 'portal', done, 'x.txt', 'x')).body.error.code).toBe('invalid_transition');
    expect(await count('chat_files')).toBe(before);
  });

  it('names are cleaned: no folders or control characters; any script kept in the download name', async () => {
    const id = await activeChat(w);
    const r = await send(w.userClient, 'portal', id, '..\\..\\Ünïcode\u202e résumé.txt', 'x');
    expect(r.body.message.file.name).toBe('Ünïcode résumé.txt');
    const dl = await w.techClient.get(`/api/console/files/${r.body.message.file.id}`);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="_n_code r_sum_.txt"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20r%C3%A9sum%C3%A9.txt`);
  });

  it('at the end the files go to the ticket with the transcript, which lists them; both sides download them from the ticket', async () => {
    const id = await activeChat(w);
    const image = await png(40, 30);
    await send(w.userClient, 'portal', id, 'error.png', image);
    await send(w.techClient, 'console', id, 'fix.txt', 'run the update');
    const end = await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ticket_created', boardId: w.boardId, summary: 'Error on start' });
    expect(end.status, end.text).toBe(200);
    const ticketId = (await w.techClient.get(`/api/console/chats/${id}`)).body.createdTicketId;
    const ticket = (await w.userClient.get(`/api/portal/tickets/${ticketId}`)).body;
    expect(ticket.attachments.map((a: { filename: string }) => a.filename).sort()).toEqual([`chat-${id}.txt`, 'error.png', 'fix.txt']);
    const copy = ticket.attachments.find((a: { filename: string }) => a.filename === 'error.png');
    expect(copy).toMatchObject({ contentType: 'image/png', size: image.length, chatId: id });
    const dl = await fetch(`${s.url}/api/portal/tickets/${ticketId}/attachments/${copy.id}`, { headers: { cookie: w.userClient.cookieHeader() } });
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(sha(new Uint8Array(await dl.arrayBuffer()))).toBe(sha(image));
    const transcript = ticket.attachments.find((a: { filename: string }) => a.filename === `chat-${id}.txt`);
    const text = (await w.techClient.get(`/api/console/tickets/${ticketId}/attachments/${transcript.id}`)).text;
    expect(text).toContain(`[file] error.png (${image.length} bytes)`);
    expect(text).toMatch(
      /Files \(attached to the ticket with this transcript\):\n {2}error\.png \(\d+ bytes\), sent by .+\n {2}fix\.txt \(14 bytes\), sent by/,
    );
    const session = ticket.timeline.find((e: { kind: string }) => e.kind === 'chat_session');
    expect(session.data.fileCount).toBe(2);
  });

  it("erasing a portal user removes the files they sent, from the chat and the ticket; the tech's stay", async () => {
    const id = await activeChat(w);
    const mine = (await send(w.userClient, 'portal', id, 'mine.txt', 'personal')).body.message.file.id;
    const theirs = (await send(w.techClient, 'console', id, 'theirs.txt', 'steps')).body.message.file.id;
    await w.techClient.post(`/api/console/chats/${id}/end`, { outcome: 'ended' });
    await erasePortalUser(s.ctx, w.user.id, w.user.email);
    expect((await w.techClient.get(`/api/console/files/${mine}`)).status).toBe(404);
    expect((await w.techClient.get(`/api/console/files/${theirs}`)).status).toBe(200);
    const rows = await s.ctx.db.selectFrom('file_chunks').select('file_id').where('file_id', '=', mine).execute();
    expect(rows).toHaveLength(0);
  });

  it('a file stored but never sent, or cut off, is removed after an hour; a sent one stays', async () => {
    const id = await activeChat(w);
    const sent = (await send(w.userClient, 'portal', id, 'kept.txt', 'kept')).body.message.file.id;
    const orphan = Number(
      (
        await s.ctx.db
          .insertInto('chat_files')
          .values({
            chat_id: id,
            uploader_kind: 'portal',
            uploader_id: w.user.id,
            client_id: 'cut',
            filename: 'cut.txt',
            content_type: 'text/plain',
            size: 0,
            status: 'uploading',
            created_at: s.ctx.now() - 61 * 60_000,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    await s.ctx.db
      .insertInto('file_chunks')
      .values({ file_id: orphan, idx: 0, data: Buffer.from('half') })
      .execute();
    expect(await sweepAbandonedFiles(s.ctx)).toBeGreaterThanOrEqual(1);
    expect(await s.ctx.db.selectFrom('chat_files').select('id').where('id', 'in', [orphan, sent]).execute()).toEqual([{ id: sent }]);
    expect(await s.ctx.db.selectFrom('file_chunks').select('idx').where('file_id', '=', orphan).execute()).toEqual([]);
  });
});
