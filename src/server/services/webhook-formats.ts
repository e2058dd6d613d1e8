/**
 * What a delivery's body looks like in each endpoint format. `standard` is the stored Standard
 * Webhooks JSON as is. `teams` (a Teams workflow "When a Teams webhook request is received")
 * and `slack` (an incoming webhook) turn "chat requested" into a card with the chat's facts and
 * a Join button to the chat in the Tech Console; every other event into one short line.
 */
import { WEBHOOK_EVENT_LABELS, type WebhookEvent, type WebhookFormat } from '../../shared/webhooks.js';

type Named = { name: string | null } | null | undefined;
type EventBody = {
  type: WebhookEvent;
  timestamp: string;
  data: {
    chat?: { id: number; subject: string; board: Named; company: Named; requester: Named & { email?: string | null }; tech: Named; url: string | null };
    ticket?: { id: number; summary: string; company: Named };
    message?: { author: Named & { kind: string }; body: string };
    rating?: { score: number | null; comment: string | null };
    reason?: string;
    outcome?: string;
    ticketId?: number | null;
  };
};

/** One line saying what happened, for people. */
export function summaryLine(e: EventBody): string {
  const c = e.data.chat;
  const label = WEBHOOK_EVENT_LABELS[e.type] ?? e.type;
  if (e.type === 'ticket.created' && e.data.ticket)
    return `Ticket #${e.data.ticket.id} created for ${e.data.ticket.company?.name ?? 'a company'}: ${e.data.ticket.summary}`;
  if (!c) return label;
  const who = `${c.requester?.name ?? 'Someone'} (${c.company?.name ?? 'no company'})`;
  switch (e.type) {
    case 'chat.requested':
      return `Chat requested by ${who} on ${c.board?.name ?? 'a board'}: ${c.subject}`;
    case 'chat.joined':
      return `${c.tech?.name ?? 'A tech'} joined the chat with ${who}: ${c.subject}`;
    case 'chat.transferred':
      return `Chat with ${who} transferred${c.tech?.name ? ` to ${c.tech.name}` : ` to ${c.board?.name ?? 'another board'}`}: ${c.subject}`;
    case 'chat.ended':
      return `Chat with ${who} ended${e.data.outcome === 'ticket_created' ? ` with ticket #${e.data.ticketId}` : ''}: ${c.subject}`;
    case 'chat.completed':
      return `Chat with ${who} completed: ${c.subject}`;
    case 'chat.abandoned':
      return `Chat with ${who} abandoned (${e.data.reason === 'left' ? 'they left' : 'connection lost'}): ${c.subject}`;
    case 'chat.callback_requested':
      return `Callback requested by ${who}: ${c.subject}`;
    case 'message.created':
      return `${e.data.message?.author?.name ?? 'Someone'} in the chat with ${who}: ${e.data.message?.body ?? ''}`;
    case 'csat.received':
      return `${who} rated the chat ${e.data.rating?.score ?? '?'}/5${e.data.rating?.comment ? `: ${e.data.rating.comment}` : ''}`;
    default:
      return `${label}: ${c.subject}`;
  }
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/** Slack's mrkdwn: &, < and > are the only characters to escape; user text can then make no link or mention. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function facts(e: EventBody): { title: string; value: string }[] {
  const c = e.data.chat!;
  return [
    { title: 'From', value: `${c.requester?.name ?? ''}${c.requester?.email ? ` <${c.requester.email}>` : ''}` },
    { title: 'Company', value: c.company?.name ?? '' },
    { title: 'Board', value: c.board?.name ?? '' },
    { title: 'Subject', value: clip(c.subject, 300) },
  ];
}

function teams(e: EventBody) {
  const c = e.data.chat;
  const card =
    e.type === 'chat.requested' && c
      ? {
          body: [
            { type: 'TextBlock', text: 'Chat requested', weight: 'Bolder', size: 'Medium', wrap: true },
            { type: 'FactSet', facts: facts(e) },
          ],
          actions: c.url ? [{ type: 'Action.OpenUrl', title: 'Join', url: c.url }] : [],
        }
      : {
          body: [{ type: 'TextBlock', text: clip(summaryLine(e), 500), wrap: true }],
          actions: c?.url ? [{ type: 'Action.OpenUrl', title: 'Open chat', url: c.url }] : [],
        };
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', ...card },
      },
    ],
  };
}

function slack(e: EventBody) {
  const c = e.data.chat;
  const line = clip(summaryLine(e), 500);
  if (e.type !== 'chat.requested' || !c) return { text: slackEscape(line) };
  const text = facts(e)
    .map((f) => `*${f.title}:* ${slackEscape(f.value)}`)
    .join('\n');
  return {
    text: slackEscape(line),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*Chat requested*\n${text}` } },
      ...(c.url ? [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Join' }, url: c.url, style: 'primary' }] }] : []),
    ],
  };
}

/** The body posted to an endpoint of `format` for a stored Standard Webhooks event. */
export function formatBody(format: WebhookFormat, stored: string): string {
  if (format === 'standard') return stored;
  const e = JSON.parse(stored) as EventBody;
  return JSON.stringify(format === 'teams' ? teams(e) : slack(e));
}
