/**
 * Files in chat. An upload is checked before any byte is stored (who may write, a retry of a file
 * already sent, the declared length, the name's type), then streamed into the database a piece at
 * a time (db/repositories/files.ts): memory holds one piece per upload, whatever the file's size,
 * and every node serves every file. Raster images get a thumbnail made here (sharp). The file then
 * goes out as a message through the same batches as text (message-batches.ts): it takes the chat's
 * next `seq`, a retry with the same client id is stored once, and a chat that ended meanwhile
 * refuses it (the stored bytes are then removed).
 */
import { Readable } from 'node:stream';
import type Sharp from 'sharp';
import { AppError, NotFound, ValidationFailed } from '../errors.js';
import { abandonedFiles, chunkAt, deleteFiles, insertChunk, insertFile, markStored, storedFile, thumbOf } from '../db/repositories/files.js';
import { messageByClientId } from '../db/repositories/messages.js';
import type { Actor } from '../policies/access.js';
import { allowedTypes, cleanFilename, formatBytes, IMAGE_TYPES, refuseFile, typeOf } from '../../shared/files.js';
import type { Ctx } from './context.js';
import { getVisibleChatScope } from './chat-queries.js';
import { checkWriter, takeSend } from './messages.js';
import { submitSend, type SendResult } from './message-batches.js';
import { presentFile, presentMessage } from './presenters.js';

/** The size of each stored piece. */
export const CHUNK_BYTES = 256 * 1024;
/** What a multipart request may carry besides the file (boundaries, headers of the part). */
const MULTIPART_SLACK = 16 * 1024;
const THUMB_PX = 320;
/** Decoding bombs: an image of more pixels than this gets no thumbnail. */
const MAX_PIXELS = 50_000_000;

/**
 * sharp (and libvips with it: about 90 ms and 20 MB) loads at the first thumbnail, so a node starts
 * and idles without it (docs/benchmarks.md, issue 15: start and idle).
 */
let sharpLoaded: Promise<typeof Sharp> | undefined;
const loadSharp = () =>
  (sharpLoaded ??= import('sharp').then(({ default: sharp }) => {
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  }));

/** One file of an upload as the HTTP layer hands it over: its name, its bytes as they arrive, and whether the reader cut it at its limit. */
export type UploadPart = { filename: string; stream: Readable; truncated?: () => boolean };

function refused(r: { code: 'file_too_large' | 'file_type_refused' | 'file_empty'; message: string }, details?: Record<string, unknown>) {
  return new AppError(r.code, r.message, r.code === 'file_too_large' ? 413 : 415, details);
}

/**
 * Sends a file as a message of the chat. `declaredBytes` is the request's Content-Length (null if
 * none); `open` reads the request's file part only once the checks have passed.
 */
export async function uploadFile(
  ctx: Ctx,
  actor: Actor,
  chatId: number,
  clientId: string,
  declaredBytes: number | null,
  open: () => Promise<UploadPart | undefined>,
): Promise<SendResult> {
  const rules = ctx.config.files;
  await checkWriter(ctx, actor, chatId);
  // A retry of a file already sent is answered with it, and its bytes are not read again.
  const prior = await messageByClientId(ctx.db, chatId, actor, clientId);
  if (prior) return { message: presentMessage(prior), duplicate: true };
  if (declaredBytes !== null && declaredBytes > rules.maxBytes + MULTIPART_SLACK)
    throw refused(
      { code: 'file_too_large', message: `The file is larger than ${formatBytes(rules.maxBytes)}, the most that may be sent.` },
      { maxBytes: rules.maxBytes },
    );
  await takeSend(ctx, actor);
  const part = await open();
  if (!part) throw new ValidationFailed('The request has no file: send it as the multipart field "file"');
  const name = cleanFilename(part.filename);
  // The size is checked as the bytes arrive; here the name's type.
  const byName = refuseFile(name, 1, rules);
  if (byName) throw refused({ ...byName, message: `${byName.message} ${allowedTypes(rules)}` }, { types: rules.types });
  const type = typeOf(name);
  const fileId = await insertFile(ctx.db, {
    chat_id: chatId,
    uploader_kind: actor.kind,
    uploader_id: actor.id,
    client_id: clientId,
    filename: name,
    content_type: type,
    created_at: ctx.now(),
  });
  let result: SendResult;
  try {
    const size = await storePieces(ctx, fileId, part, name, type);
    const picture = IMAGE_TYPES.has(type) ? await thumbnail(ctx, fileId) : null;
    const facts = { size, width: picture?.width ?? null, height: picture?.height ?? null, thumb: picture?.thumb ?? null };
    await markStored(ctx.db, fileId, facts);
    const file = presentFile({ id: fileId, filename: name, size, content_type: type, width: facts.width, height: facts.height, has_thumb: !!facts.thumb });
    result = await submitSend(ctx, { actor, chatId, body: name, clientId, now: ctx.now(), file });
  } catch (err) {
    part.stream.resume();
    await deleteFiles(ctx.db, [fileId]);
    throw err;
  }
  // The same file sent twice at once: the copy stored first is the message; this one goes.
  if (result.duplicate) {
    await deleteFiles(ctx.db, [fileId]);
    const stored = await messageByClientId(ctx.db, chatId, actor, clientId);
    if (stored) return { message: presentMessage(stored), duplicate: true };
  }
  return result;
}

/** Writes the stream into pieces of CHUNK_BYTES; refuses it past the size limit, or when its first bytes are not of its type. */
async function storePieces(ctx: Ctx, fileId: number, part: UploadPart, name: string, type: string): Promise<number> {
  const { maxBytes } = ctx.config.files;
  const tooLarge = () =>
    refused({ code: 'file_too_large', message: `${name} is larger than ${formatBytes(maxBytes)}, the most that may be sent.` }, { maxBytes });
  let size = 0;
  let idx = 0;
  // One buffer per upload, filled and written again and again: each byte is copied once after the
  // socket, so a burst of uploads leaves little garbage behind (bench/uploads.ts).
  const piece = Buffer.allocUnsafe(CHUNK_BYTES);
  let filled = 0;
  const write = async () => {
    if (idx === 0 && !looksLike(type, piece.subarray(0, filled)))
      throw refused({ code: 'file_type_refused', message: `${name} is not what its name says: its contents are not ${type}.` });
    // The driver has taken the bytes (bound or encoded) once the insert is done: the buffer is free again.
    await insertChunk(ctx.db, fileId, idx++, piece.subarray(0, filled));
    filled = 0;
  };
  try {
    for await (const data of part.stream as AsyncIterable<Buffer>) {
      size += data.length;
      if (size > maxBytes) throw tooLarge();
      let at = 0;
      while (at < data.length) {
        const n = data.copy(piece, filled, at);
        filled += n;
        at += n;
        if (filled === CHUNK_BYTES) await write();
      }
    }
  } catch (err) {
    // The multipart reader stops at the limit itself (its fileSize) and says so with its own error.
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    throw err;
  }
  if (part.truncated?.()) throw tooLarge();
  if (filled > 0) await write();
  if (size === 0) throw refused({ code: 'file_empty', message: `${name} is empty.` });
  return size;
}

/** Whether a file's first bytes are those of its type, for the types whose bytes say so (images, PDF, Office and zip). */
export function looksLike(type: string, head: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = (text: string, at = 0) => head.subarray(at, at + text.length).toString('latin1') === text;
  switch (type) {
    case 'image/png':
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    case 'image/jpeg':
      return starts(0xff, 0xd8, 0xff);
    case 'image/gif':
      return ascii('GIF87a') || ascii('GIF89a');
    case 'image/webp':
      return ascii('RIFF') && ascii('WEBP', 8);
    case 'application/pdf':
      return ascii('%PDF-');
    case 'application/zip':
    case 'application/vnd.openxmlformats-officedocument.wordprocessingml.document':
    case 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet':
    case 'application/vnd.openxmlformats-officedocument.presentationml.presentation':
    case 'application/vnd.oasis.opendocument.text':
    case 'application/vnd.oasis.opendocument.spreadsheet':
      return starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06);
    default:
      return true;
  }
}

/**
 * A thumbnail (WebP, at most THUMB_PX a side) and the picture's size as shown (EXIF rotation
 * applied); null when the image cannot be read. The image is read whole for this: at most the
 * size limit, one at a time (the queue below), and only for raster images.
 */
/** Thumbnails are made one after another on a node: each holds its whole image in memory meanwhile. */
let thumbnailQueue: Promise<unknown> = Promise.resolve();
function thumbnail(ctx: Ctx, fileId: number): Promise<{ thumb: Buffer; width: number; height: number } | null> {
  const next = thumbnailQueue.then(() => makeThumbnail(ctx, fileId));
  thumbnailQueue = next.catch(() => {});
  return next;
}

async function makeThumbnail(ctx: Ctx, fileId: number): Promise<{ thumb: Buffer; width: number; height: number } | null> {
  const parts: Buffer[] = [];
  for await (const piece of fileBytes(ctx, fileId)) parts.push(piece);
  const sharp = await loadSharp();
  try {
    const image = sharp(Buffer.concat(parts), { limitInputPixels: MAX_PIXELS, animated: false });
    const meta = await image.metadata();
    const turned = (meta.orientation ?? 1) >= 5;
    const thumb = await image.rotate().resize(THUMB_PX, THUMB_PX, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    const width = (turned ? meta.height : meta.width) ?? null;
    const height = (turned ? meta.width : meta.height) ?? null;
    return width && height ? { thumb, width, height } : null;
  } catch {
    // Not a readable image after all (cut short, or too many pixels): sent as a file to download.
    return null;
  }
}

/** A stored file's bytes, a piece at a time: what a download streams. */
export function fileBytes(ctx: Ctx, fileId: number): Readable {
  let idx = 0;
  return Readable.from(
    (async function* () {
      for (;;) {
        const piece = await chunkAt(ctx.db, fileId, idx++);
        if (!piece) return;
        yield piece;
      }
    })(),
    { objectMode: false },
  );
}

/** A file of a chat the actor may see (else not found), with its facts for the download. */
export async function visibleFile(ctx: Ctx, actor: Actor, fileId: number) {
  const f = await storedFile(ctx.db, fileId);
  if (!f) throw new NotFound('File');
  await getVisibleChatScope(ctx.db, actor, Number(f.chat_id)).catch(() => {
    throw new NotFound('File');
  });
  return f;
}

export async function visibleThumb(ctx: Ctx, actor: Actor, fileId: number): Promise<Buffer> {
  const f = await visibleFile(ctx, actor, fileId);
  const thumb = f.has_thumb ? await thumbOf(ctx.db, Number(f.id)) : null;
  if (!thumb) throw new NotFound('Thumbnail');
  return thumb;
}

/** Removes files no message carries after an hour: uploads cut off by a crash, files whose chat ended before they were sent. */
export async function sweepAbandonedFiles(ctx: Ctx): Promise<number> {
  const ids = await abandonedFiles(ctx.db, ctx.now() - 60 * 60 * 1000, 100);
  await deleteFiles(ctx.db, ids);
  return ids.length;
}
