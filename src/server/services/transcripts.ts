import type { Tx } from '../db/database.js';
import { chatRowWithRequesterEmail } from '../db/repositories/chats.js';
import { coTechs } from '../policies/rules.js';
import { allMessagesOf } from '../db/repositories/messages.js';
import { notesOfChat } from '../db/repositories/notes.js';
import { filesSentIn } from '../db/repositories/files.js';
import { formatBytes } from '../../shared/files.js';
import { insertAttachment, insertTimelineEntry, updateTicketRow } from '../db/repositories/tickets.js';

const stamp = (ms: number | null) =>
  ms === null
    ? '-'
    : new Date(Number(ms))
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');

const fileLine = (name: string, size: number | null | undefined) => `${name} (${formatBytes(Number(size ?? 0))})`;

/**
 * The plain-text transcript: participants, times, every message with its time and author; and the
 * chat it was read from. With `internalNotes` (a tech's download only: never the portal's, never
 * the ticket's copy, which the portal user sees) the techs' notes are in line, marked internal.
 */
export async function buildTranscript(trx: Tx, chatId: number, opts: { internalNotes?: boolean } = {}) {
  const c = await chatRowWithRequesterEmail(trx, chatId);
  const messages = await allMessagesOf(trx, chatId);
  const notes = opts.internalNotes ? await notesOfChat(trx, chatId) : [];
  // Every tech taking part: the lead and those invited in, as the chat itself names them.
  const techNames = [c.tech_name, ...coTechs(c).map((t) => t.name)].filter((n): n is string => !!n);
  const lines = [
    `Chat #${c.id}: ${c.subject}`,
    `Company: ${c.company_name}`,
    `Board: ${c.board_name}`,
    `Requester: ${c.requester_name} <${c.requester_email}>`,
    techNames.length > 1 ? `Technicians: ${techNames.join(', ')}` : `Technician: ${techNames[0] ?? '(none joined)'}`,
    `Requested: ${stamp(c.requested_at)}`,
    `Joined: ${stamp(c.joined_at)}`,
    `Ended: ${stamp(c.ended_at ?? c.completed_at)}`,
    `Outcome: ${c.outcome ?? c.status}`,
    '',
    'Messages:',
  ];
  const entries = [
    ...messages.map((m) => ({
      at: Number(m.created_at),
      who: m.author_kind === 'system' ? 'System' : (m.author_name ?? m.author_kind),
      body: m.file_id !== null && m.file_name ? `[file] ${fileLine(m.file_name, m.file_size)}` : m.body,
    })),
    ...notes.map((n) => ({ at: Number(n.created_at), who: `[internal note, techs only] ${n.author_name}`, body: n.body })),
  ].sort((a, b) => a.at - b.at);
  for (const e of entries) {
    const body = e.body.replace(/\r\n?/g, '\n').split('\n').join('\n    ');
    lines.push(`[${stamp(e.at)}] ${e.who}: ${body}`);
  }
  const files = messages.filter((m) => m.file_id !== null && m.file_name);
  if (files.length) {
    lines.push('', 'Files (attached to the ticket with this transcript):');
    for (const m of files) lines.push(`  ${fileLine(m.file_name!, m.file_size)}, sent by ${m.author_name ?? m.author_kind} at ${stamp(m.created_at)}`);
  }
  return { text: `${lines.join('\n')}\n`, messageCount: messages.filter((m) => m.author_kind !== 'system').length, chat: c, techNames };
}

/** Attaches `chat-<id>.txt` to the ticket and records the chat session on its timeline. */
export async function attachTranscript(trx: Tx, chatId: number, ticketId: number, actor: { kind: 'tech' | 'system'; id: number | null }, now: number) {
  // The chat as the transcript read it, in this transaction: its session facts for the timeline.
  const { text, messageCount, chat, techNames } = await buildTranscript(trx, chatId);
  const content = Buffer.from(text, 'utf8');
  const attachmentId = await insertAttachment(trx, {
    ticket_id: ticketId,
    chat_id: chatId,
    filename: `chat-${chatId}.txt`,
    content_type: 'text/plain; charset=utf-8',
    size: content.length,
    content,
    created_at: now,
  });
  const files = await filesSentIn(trx, chatId);
  const start = chat.joined_at ?? chat.requested_at;
  const end = chat.ended_at ?? chat.completed_at ?? now;
  await insertTimelineEntry(trx, {
    ticket_id: ticketId,
    kind: 'chat_session',
    at: now,
    actor_kind: actor.kind,
    actor_id: actor.id,
    chat_id: chatId,
    attachment_id: attachmentId,
    data: JSON.stringify({
      startedAt: new Date(Number(chat.requested_at)).toISOString(),
      endedAt: new Date(Number(end)).toISOString(),
      durationSeconds: Math.max(0, Math.round((Number(end) - Number(start)) / 1000)),
      techId: chat.tech_id === null ? null : Number(chat.tech_id),
      techName: chat.tech_name,
      // Everyone who took part at the end: the lead and those invited in.
      techNames,
      messageCount,
      outcome: chat.outcome ?? chat.status,
      // Why no technician is named, for a chat nobody joined.
      nobodyJoined: chat.tech_id !== null ? null : chat.callback_at !== null ? 'callback' : chat.abandoned_at !== null ? (chat.abandon_reason ?? 'left') : null,
      filename: `chat-${chatId}.txt`,
      fileCount: files.length,
    }),
  });
  // The chat's files go to the ticket beside the transcript: the same bytes, not a copy of them.
  for (const f of files)
    await insertAttachment(trx, {
      ticket_id: ticketId,
      chat_id: chatId,
      filename: f.filename,
      content_type: f.content_type,
      size: Number(f.size),
      content: Buffer.alloc(0),
      file_id: Number(f.id),
      created_at: now,
    });
  await updateTicketRow(trx, ticketId, { updated_at: now });
  return attachmentId;
}
