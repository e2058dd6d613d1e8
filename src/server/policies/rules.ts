/**
 * Who may do what (SPEC "Access" and the "who" column of "Lifecycle"), as one table of actions.
 *
 * Every rule is a set of *relations*: how the actor stands to the resource (the chat's requester,
 * the tech who joined it, another tech with access...). `can` answers from the table; `authorize`
 * throws the error a refusal means (not found when the actor may not even see the resource);
 * `portalChatAbilities` / `techChatAbilities` tell a view what its viewer may do now, so no client re-derives a rule. The
 * board-and-company rule behind "with access" lives in access.ts, beside its SQL forms.
 */
import { Forbidden, NotFound } from '../errors.js';
import { decide, type ChatEvent, type ChatStatus } from '../domain/chat-machine.js';
import { techHasAccess, type Actor, type Scoped } from './access.js';
import { coTechs } from '../domain/co-techs.js';
import type { PortalChatAbilities, TechChatAbilities } from '../../shared/views.js';
import type { ErrorCode } from '../../shared/errors.js';

/** What the chat rules need to know of a chat. */
export type ChatResource = Scoped & {
  status: ChatStatus;
  requester_id: number;
  tech_id: number | null;
  source?: 'new_request' | 'ticket';
  created_ticket_id?: number | null;
  left_at?: number | null;
  rating?: number | null;
  /** The techs taking part besides the lead (`tech_id`): JSON of {id, name}[] (chats.co_techs). */
  co_techs?: string | null;
};
export type TicketResource = Scoped & { contact_id: number };
export type NoteResource = { author_id: number; chat: ChatResource };
/** An offer of a chat from one tech to another (transfer or invite). */
export type OfferResource = { from_tech_id: number; to_tech_id: number };

/** How an actor stands to a chat. A tech without access has no relation at all. */
export type ChatRelation = 'requester' | 'joined_tech' | 'tech_with_access' | 'none';
export type TicketRelation = 'contact' | 'tech_with_access' | 'none';
export type NoteRelation = 'author' | 'admin' | 'other_tech' | 'none';
export type OfferRelation = 'recipient' | 'sender' | 'none';
export type ActorRelation = 'admin' | 'tech' | 'portal';

export { coTechs };

/** Every tech taking part in a chat: the lead (who joined, or took it over), then those invited in. */
export function techsInChat(chat: Pick<ChatResource, 'tech_id' | 'co_techs'>): number[] {
  const ids = chat.tech_id === null ? [] : [Number(chat.tech_id)];
  return [...ids, ...coTechs(chat).map((t) => t.id)];
}

/** A tech taking part in the chat is its `joined_tech`: the lead and anyone invited in alike. */
export function chatRelation(actor: Actor, chat: ChatResource): ChatRelation {
  if (actor.kind === 'portal') return Number(chat.requester_id) === actor.id ? 'requester' : 'none';
  if (!techHasAccess(actor, chat)) return 'none';
  return techsInChat(chat).includes(actor.id) ? 'joined_tech' : 'tech_with_access';
}

export function offerRelation(actor: Actor, offer: OfferResource): OfferRelation {
  if (actor.kind !== 'tech') return 'none';
  if (Number(offer.to_tech_id) === actor.id) return 'recipient';
  return Number(offer.from_tech_id) === actor.id ? 'sender' : 'none';
}

export function ticketRelation(actor: Actor, ticket: TicketResource): TicketRelation {
  if (actor.kind === 'portal') return Number(ticket.contact_id) === actor.id ? 'contact' : 'none';
  return techHasAccess(actor, ticket) ? 'tech_with_access' : 'none';
}

export function noteRelation(actor: Actor, note: NoteResource): NoteRelation {
  if (actor.kind !== 'tech' || chatRelation(actor, note.chat) === 'none') return 'none';
  if (Number(note.author_id) === actor.id) return 'author';
  return actor.role === 'admin' ? 'admin' : 'other_tech';
}

export function actorRelation(actor: Actor): ActorRelation {
  return actor.kind === 'portal' ? 'portal' : actor.role === 'admin' ? 'admin' : 'tech';
}

const TECHS = ['joined_tech', 'tech_with_access'] as const;

/** The rule table. Each action lists the relations that allow it; nothing else does. */
export const RULES = {
  chat: {
    'chat.view': ['requester', ...TECHS],
    'chat.join': ['tech_with_access'],
    'chat.write': ['requester', 'joined_tech'],
    'chat.leave': ['requester'],
    'chat.rate': ['requester'],
    'chat.read': ['requester', 'joined_tech'],
    'chat.keep_waiting': ['requester'],
    'chat.callback': ['requester'],
    'chat.end': ['joined_tech'],
    // To another tech or a board; another tech in beside (services/transfers.ts).
    'chat.transfer': ['joined_tech'],
    'chat.invite': ['joined_tech'],
    'chat.step_out': ['joined_tech'],
    'chat.complete': TECHS,
    'chat.create_ticket': TECHS,
    'note.view': TECHS,
    'note.add': TECHS,
  },
  note: {
    'note.edit': ['author', 'admin'],
  },
  offer: {
    'offer.answer': ['recipient'],
    'offer.withdraw': ['sender'],
  },
  ticket: {
    'ticket.view': ['contact', 'tech_with_access'],
    'ticket.update': ['tech_with_access'],
    'ticket.create': ['tech_with_access'],
    'ticket.start_chat': ['contact'],
  },
  actor: {
    search: ['admin', 'tech'],
    'admin.manage': ['admin'],
  },
} as const satisfies {
  chat: Record<string, readonly ChatRelation[]>;
  note: Record<string, readonly NoteRelation[]>;
  offer: Record<string, readonly OfferRelation[]>;
  ticket: Record<string, readonly TicketRelation[]>;
  actor: Record<string, readonly ActorRelation[]>;
};

export type ChatAction = keyof typeof RULES.chat;
export type NoteAction = keyof typeof RULES.note;
export type OfferAction = keyof typeof RULES.offer;
export type TicketAction = keyof typeof RULES.ticket;
export type ActorAction = keyof typeof RULES.actor;
export type Action = ChatAction | NoteAction | OfferAction | TicketAction | ActorAction;

const allows = (relations: readonly string[], relation: string) => relations.includes(relation);
const isChatAction = (a: Action): a is ChatAction => a in RULES.chat;
const isNoteAction = (a: Action): a is NoteAction => a in RULES.note;
const isOfferAction = (a: Action): a is OfferAction => a in RULES.offer;
const isTicketAction = (a: Action): a is TicketAction => a in RULES.ticket;

export function can(actor: Actor, action: ChatAction, chat: ChatResource): boolean;
export function can(actor: Actor, action: NoteAction, note: NoteResource): boolean;
export function can(actor: Actor, action: OfferAction, offer: OfferResource): boolean;
export function can(actor: Actor, action: TicketAction, ticket: TicketResource): boolean;
export function can(actor: Actor, action: ActorAction): boolean;
export function can(actor: Actor, action: Action, resource?: unknown): boolean {
  if (isChatAction(action)) return allows(RULES.chat[action], chatRelation(actor, resource as ChatResource));
  if (isNoteAction(action)) return allows(RULES.note[action], noteRelation(actor, resource as NoteResource));
  if (isOfferAction(action)) return allows(RULES.offer[action], offerRelation(actor, resource as OfferResource));
  if (isTicketAction(action)) return allows(RULES.ticket[action], ticketRelation(actor, resource as TicketResource));
  return allows(RULES.actor[action], actorRelation(actor));
}

/** What a refusal says when the actor may see the resource but not do this to it. */
const REFUSALS: Partial<Record<Action, [code: ErrorCode, message: string]>> = {
  'chat.write': ['not_participant', 'Only the requester and the techs in this chat can write in it'],
  'chat.end': ['not_participant', 'Only a tech in this chat can end it'],
  'chat.read': ['not_participant', 'Only the requester and the techs in this chat mark what they have seen'],
  'chat.transfer': ['not_participant', 'Only a tech in this chat can transfer it'],
  'chat.invite': ['not_participant', 'Only a tech in this chat can invite another tech'],
  'chat.step_out': ['not_participant', 'Only a tech in this chat can leave it'],
  'offer.answer': ['not_offer_recipient', 'Only the tech this chat was offered to can answer'],
  'offer.withdraw': ['not_participant', 'Only the tech who made the offer can withdraw it'],
  'note.edit': ['not_note_author', 'Only the author of a note or an admin can edit it'],
  'admin.manage': ['admin_only', 'Only admins can do this'],
};

/** The 403 of an action, with its own code and message. */
export function forbidden(action: Action): Forbidden {
  const [code, message] = REFUSALS[action] ?? ['forbidden', 'Not allowed'];
  return new Forbidden(code, message);
}

/**
 * `can`, or the error its refusal means: "not found" when the actor may not see the resource at
 * all (SPEC: to them it does not exist), otherwise a 403 with the action's own code.
 */
export function authorize(actor: Actor, action: ChatAction, chat: ChatResource): void;
export function authorize(actor: Actor, action: NoteAction, note: NoteResource): void;
export function authorize(actor: Actor, action: OfferAction, offer: OfferResource): void;
export function authorize(actor: Actor, action: TicketAction, ticket: TicketResource): void;
export function authorize(actor: Actor, action: ActorAction): void;
export function authorize(actor: Actor, action: Action, resource?: unknown): void {
  if ((can as (a: Actor, x: Action, r?: unknown) => boolean)(actor, action, resource)) return;
  if (isChatAction(action) && chatRelation(actor, resource as ChatResource) === 'none') throw new NotFound('Chat');
  if (isNoteAction(action) && noteRelation(actor, resource as NoteResource) === 'none') throw new NotFound('Chat');
  if (isOfferAction(action) && offerRelation(actor, resource as OfferResource) === 'none') throw new NotFound('Offer');
  if (isTicketAction(action) && ticketRelation(actor, resource as TicketResource) === 'none') throw new NotFound('Ticket');
  throw forbidden(action);
}

/**
 * Reports (services/reports.ts): admins, and techs an admin granted "may see reports". What they
 * cover is still the tech's access (`techScopeFilter` over the measures' board and company).
 */
export function authorizeReports(actor: Actor): void {
  if (actor.kind === 'tech' && (actor.role === 'admin' || actor.reports === true)) return;
  throw new Forbidden('reports_not_allowed', 'Reports are for admins and the techs an admin allows to see them');
}

/** The lifecycle event an action causes: the chat machine says in which states it can happen. */
export const LIFECYCLE: Partial<Record<ChatAction, ChatEvent>> = {
  'chat.join': 'join',
  'chat.write': 'message',
  'chat.leave': 'leave',
  'chat.keep_waiting': 'keep_waiting',
  'chat.callback': 'request_callback',
  'chat.end': 'end',
  'chat.complete': 'complete',
  // Offering the chat changes nothing yet; it needs an active chat, as taking it over does.
  'chat.transfer': 'hand_over',
  'chat.invite': 'add_tech',
  'chat.step_out': 'remove_tech',
};

/** The requester left the chat while it was active (the tech has not ended it yet). */
export const requesterLeft = (chat: Pick<ChatResource, 'status' | 'left_at'>) => chat.status === 'active' && chat.left_at != null;

/** May the action happen in the chat's current state, when a portal user or a tech asks? */
export function stateAllows(action: ChatAction, chat: ChatResource, by: 'portal' | 'tech'): boolean {
  // Rated once, after the chat ended with a tech in it.
  if (action === 'chat.rate') return chat.status === 'completed' && chat.tech_id != null && chat.rating == null;
  if (action === 'chat.create_ticket') return chat.status === 'completed' && chat.source === 'new_request' && chat.created_ticket_id == null;
  // A requester who left an active chat has no more to say in it: it stays only for the tech to end.
  if (action === 'chat.write' && by === 'portal' && requesterLeft(chat)) return false;
  const event = LIFECYCLE[action];
  return !event || decide(chat.status, event, by).ok;
}

/** What the viewer may do with the chat now, by audience: the views carry it, the web follows it. */

const able = (relation: ChatRelation, action: ChatAction, chat: ChatResource) =>
  allows(RULES.chat[action], relation) && stateAllows(action, chat, relation === 'requester' ? 'portal' : 'tech');

export function portalChatAbilities(relation: ChatRelation, chat: ChatResource): PortalChatAbilities {
  return {
    write: able(relation, 'chat.write', chat),
    // Leaving an active chat again changes nothing (it is allowed, and a no-op): not offered.
    leave: able(relation, 'chat.leave', chat) && !requesterLeft(chat),
    keepWaiting: able(relation, 'chat.keep_waiting', chat),
    callback: able(relation, 'chat.callback', chat),
    rate: able(relation, 'chat.rate', chat),
  };
}

export function techChatAbilities(relation: ChatRelation, chat: ChatResource): TechChatAbilities {
  return {
    join: able(relation, 'chat.join', chat),
    write: able(relation, 'chat.write', chat),
    end: able(relation, 'chat.end', chat),
    complete: able(relation, 'chat.complete', chat),
    createTicket: able(relation, 'chat.create_ticket', chat),
    addNote: able(relation, 'note.add', chat),
    transfer: able(relation, 'chat.transfer', chat),
    invite: able(relation, 'chat.invite', chat),
    // Only while another tech stays with the user: the last one ends or transfers it instead.
    stepOut: able(relation, 'chat.step_out', chat) && techsInChat(chat).length > 1,
  };
}
