import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { Conflict } from '../errors.js';
import type { Actor } from '../policies/access.js';
import type { Ctx } from '../services/context.js';
import { getVisibleChatRow } from '../services/chat-queries.js';
import { buildTranscript } from '../services/transcripts.js';
import { fileBytes, visibleFile, visibleThumb } from '../services/files.js';
import { IMAGE_TYPES } from '../../shared/files.js';

/** `filename="…"` for old clients (ASCII, no quotes) and `filename*` with the real name (RFC 6266, RFC 8187). */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Every file leaves through here. It is a download (`attachment`) with its stored type and
 * `nosniff`, so the browser neither renders nor guesses; only a raster image (type checked from its
 * bytes at upload) may be shown in the page or a tab (`inline`), and then under a policy that runs
 * nothing. HTML and SVG are never inline, whatever the allow-list says.
 */
function sendFile(reply: FastifyReply, f: { filename: string; contentType: string; size?: number; inline?: boolean }, body: Buffer | Readable) {
  const inline = f.inline === true && IMAGE_TYPES.has(f.contentType);
  const type = f.contentType.startsWith('text/') ? `${f.contentType.split(';')[0]}; charset=utf-8` : f.contentType;
  reply
    .header('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', f.filename))
    .header('X-Content-Type-Options', 'nosniff')
    // The browser's own image viewer styles its page inline; nothing in it can run (sandbox).
    .header('Content-Security-Policy', inline ? "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox" : "default-src 'none'; sandbox")
    .header('Cache-Control', 'private, no-cache')
    .type(type);
  if (f.size !== undefined) reply.header('Content-Length', String(f.size));
  return reply.send(body);
}

/** A ticket's attachment: its own bytes (a transcript), or the chat file it was copied from. */
export function sendAttachment(
  ctx: Ctx,
  reply: FastifyReply,
  a: { filename: string; contentType: string; content: Buffer; fileId: number | null; size: number },
) {
  if (a.fileId !== null) return sendFile(reply, { filename: a.filename, contentType: a.contentType, size: a.size }, fileBytes(ctx, a.fileId));
  // Older attachments kept any type; a download says text or bytes, nothing a browser would render.
  const contentType = a.contentType.startsWith('text/') ? 'text/plain' : 'application/octet-stream';
  return sendFile(reply, { filename: a.filename, contentType }, a.content);
}

/** A file of a chat, to who may see the chat; `view` shows an image in the browser instead of downloading it. */
export async function sendChatFile(ctx: Ctx, reply: FastifyReply, actor: Actor, fileId: number, view: boolean) {
  const f = await visibleFile(ctx, actor, fileId);
  return sendFile(reply, { filename: f.filename, contentType: f.content_type, size: Number(f.size), inline: view }, fileBytes(ctx, Number(f.id)));
}

/** An image's thumbnail, made by the server (WebP): shown in the conversation. */
export async function sendThumbnail(ctx: Ctx, reply: FastifyReply, actor: Actor, fileId: number) {
  const thumb = await visibleThumb(ctx, actor, fileId);
  return sendFile(reply, { filename: `thumbnail-${fileId}.webp`, contentType: 'image/webp', inline: true }, thumb);
}

export async function sendTranscript(ctx: Ctx, reply: FastifyReply, actor: Actor, chatId: number) {
  const chat = await getVisibleChatRow(ctx.db, actor, chatId);
  if (chat.status !== 'completed')
    throw new Conflict('invalid_transition', `The transcript is ready once the chat is completed; it is ${chat.status}`, { state: chat.status });
  const { text } = await buildTranscript(ctx.db, chatId, { internalNotes: actor.kind === 'tech' });
  return sendFile(reply, { filename: `chat-${chatId}.txt`, contentType: 'text/plain' }, Buffer.from(text, 'utf8'));
}
