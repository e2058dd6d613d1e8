/**
 * The presented objects both sides see, as schemas: the server's presenters return exactly these
 * (HTTP and real time alike), every route declares them as its response (so the OpenAPI document
 * describes every answer), and the web reads their inferred types. Times are ISO strings, ids
 * numbers.
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';

const id = z.number().int();
const time = z.string().nullable();
const Named = z.object({ id, name: z.string() });

export const CHAT_STATUSES = ['waiting', 'active', 'abandoned', 'callback', 'completed'] as const;
export const ChatStatus = z.enum(CHAT_STATUSES);
export type ChatStatus = z.infer<typeof ChatStatus>;
export const ChatOutcome = z.enum(['ended', 'ticket_created']);

/** What the portal user may do with the chat now (the server's rule table decides). */
export const PortalChatAbilities = z.object({ write: z.boolean(), leave: z.boolean(), keepWaiting: z.boolean(), callback: z.boolean(), rate: z.boolean() });
export type PortalChatAbilities = z.infer<typeof PortalChatAbilities>;
/** What this tech may do with the chat now (the server's rule table decides). */
export const TechChatAbilities = z.object({
  join: z.boolean(),
  write: z.boolean(),
  end: z.boolean(),
  complete: z.boolean(),
  createTicket: z.boolean(),
  addNote: z.boolean(),
  /** Hand the chat to another tech or a board; ask another tech in (SPEC "Transfer and invite"). */
  transfer: z.boolean(),
  invite: z.boolean(),
  /** Leave the chat while another tech in it carries on (SPEC "Transfer and invite"). */
  stepOut: z.boolean(),
});
export type TechChatAbilities = z.infer<typeof TechChatAbilities>;

export const ChatViewBase = z.object({
  id,
  source: z.enum(['new_request', 'ticket']),
  ticketId: id.nullable(),
  subject: z.string(),
  /** The start of the requester's first message (null when there is none, or it was removed). */
  firstMessage: z.string().nullable(),
  status: ChatStatus,
  board: Named,
  company: Named,
  requester: Named,
  tech: z.object({ id, name: z.string().nullable() }).nullable(),
  /** Every tech taking part now: the lead (`tech`) first, then those invited in. */
  techs: z.array(Named),
  outcome: ChatOutcome.nullable(),
  createdTicketId: id.nullable(),
  lastSeq: id,
  /** Raised by every change this view shows: a live event with a lower one is older than what the client has. */
  version: z.number().int().nonnegative(),
  requestedAt: time,
  joinedAt: time,
  leftAt: time,
  endedAt: time,
  completedAt: time,
  abandonedAt: time,
  /** Why it was abandoned: the requester left, or their connection was lost for longer than the grace. */
  abandonReason: z.enum(['left', 'disconnected']).nullable(),
  callbackAt: time,
  callback: z.object({ phone: z.string(), preferredTime: z.string().nullable(), message: z.string().nullable() }).nullable(),
  /** When the retention setting removed this completed chat's messages (null: they are kept). */
  messagesRemovedAt: time,
  /** How far each side has seen the chat (the last seq; 0: nothing yet): "Seen" under a message. */
  readSeq: z.object({ requester: z.number().int().nonnegative(), tech: z.number().int().nonnegative() }),
  /** The requester's rating of the chat once it ended (1-5, with an optional comment). */
  rating: z.object({ score: z.number().int().min(1).max(5), comment: z.string().nullable(), at: time }).nullable(),
});
export type ChatViewBase = z.infer<typeof ChatViewBase>;

export const PortalChatView = ChatViewBase.extend({ offerPending: z.boolean(), abilities: PortalChatAbilities });
export type PortalChatView = z.infer<typeof PortalChatView>;
/** An offer of a chat to a tech, to take it over (transfer) or to join in (invite); pending for 60 s. */
export const OfferKind = z.enum(['transfer', 'invite']);
export const OfferStatus = z.enum(['pending', 'accepted', 'declined', 'expired', 'withdrawn']);
export const PendingOffer = z.object({ id, kind: OfferKind, from: Named, to: Named, expiresAt: z.string() });
export type PendingOffer = z.infer<typeof PendingOffer>;
export const TechChatView = ChatViewBase.extend({
  alertStage: z.enum(['assigned', 'all']),
  abilities: TechChatAbilities,
  /** The chat's pending offer to a tech, if any (one at a time). */
  pendingOffer: PendingOffer.nullable(),
});
export type TechChatView = z.infer<typeof TechChatView>;
/** Whom a chat can be offered to: techs with access (not those in it), and the boards offered to its company. */
export const TransferTargets = z.object({
  /** `online`: with the console open now (null: not known, e.g. a cluster that lost Redis). */
  techs: z.array(Named.extend({ available: z.boolean(), online: z.boolean().nullable() })),
  boards: z.array(Named),
});
export type TransferTargets = z.infer<typeof TransferTargets>;
/** An offer as its two techs see it, with the chat as the recipient may see it. */
export const OfferView = PendingOffer.extend({ chatId: id, status: OfferStatus, chat: TechChatView });
export type OfferView = z.infer<typeof OfferView>;

/**
 * The expected wait shown to a waiting requester (method: docs/expected-wait.md): a range of whole
 * minutes (0–1: less than a minute); outside office hours when support opens (null: no opening
 * within three weeks); `unknown` when nobody can take the chat and recent chats give no pace to go by.
 */
export const ExpectedWaitView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('range'), lowMin: z.number().int().nonnegative(), highMin: z.number().int().positive() }),
  z.object({ kind: z.literal('closed'), opensAt: z.string().nullable() }),
  z.object({ kind: z.literal('unknown') }),
]);
export type ExpectedWaitView = z.infer<typeof ExpectedWaitView>;
/** The requester's chat page: while it waits, its place in the queue and the expected wait. */
export const PortalChatDetail = PortalChatView.extend({ queuePosition: id.nullable(), expectedWait: ExpectedWaitView.nullable() });
export type PortalChatDetail = z.infer<typeof PortalChatDetail>;
/** A tech's chat page: whether the requester is connected right now. */
export const TechChatDetail = TechChatView.extend({ requesterOnline: z.boolean() });
/** A new request or a chat from a ticket: the open one comes back when there is one. */
export const RequestedChat = z.object({ existing: z.boolean(), chat: PortalChatView });
export const EndedChat = TechChatView.extend({ ticketId: id.nullable() });
/**
 * A completed chat in a list of them (search, a tech's latest chats): what the list shows, and the
 * id that opens the whole chat (`GET /api/console/chats/{id}`). `snippet`: where the words matched
 * (they are marked \u0002…\u0003), in the subject, a message or a note (`snippetIn`: where the
 * first match is; null for chats indexed before it was recorded).
 */
export const SearchResult = ChatViewBase.pick({
  id: true,
  subject: true,
  board: true,
  company: true,
  requester: true,
  tech: true,
  techs: true,
  outcome: true,
  ticketId: true,
  createdTicketId: true,
  requestedAt: true,
  completedAt: true,
  callbackAt: true,
  abandonedAt: true,
  abandonReason: true,
  rating: true,
}).extend({ snippet: z.string().nullable(), snippetIn: z.enum(['subject', 'message', 'note']).nullable() });
export type SearchResult = z.infer<typeof SearchResult>;

export const MessageAuthorKind = z.enum(['portal', 'tech', 'system']);
export type MessageAuthorKind = z.infer<typeof MessageAuthorKind>;
/** A file carried by a message; its bytes at `/api/<side>/files/<id>`, its thumbnail (images) at `…/thumb`. */
export const FileView = z.object({
  id,
  name: z.string(),
  size: z.number().int().nonnegative(),
  type: z.string(),
  /** A raster image with a thumbnail: shown as a picture that opens full size. */
  image: z.boolean(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
});
export type FileView = z.infer<typeof FileView>;
export const FileRulesView = z.object({ maxBytes: z.number().int().positive(), types: z.array(z.string()) });

export const MessageView = z.object({
  id,
  chatId: id,
  seq: id,
  author: z.object({ kind: MessageAuthorKind, id: id.nullable(), name: z.string().nullable() }),
  body: z.string(),
  clientId: z.string().nullable(),
  /** The file this message carries (its body is then the file's name); absent or null for text. */
  file: FileView.nullable().optional(),
  createdAt: time,
});
export type MessageView = z.infer<typeof MessageView>;
export const SentMessage = z.object({ message: MessageView, duplicate: z.boolean() });

/** The four status-bar sections of a tech, each oldest first. */
export const StatusBarView = z.object({
  available: z.boolean(),
  waiting: z.array(TechChatView),
  active: z.array(TechChatView),
  abandoned: z.array(TechChatView),
  callback: z.array(TechChatView),
});
export type StatusBarView = z.infer<typeof StatusBarView>;

export const TransitionView = z.object({
  event: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  actor: z.object({ kind: MessageAuthorKind, id: id.nullable(), name: z.string().nullable() }),
  at: time,
});

export const NoteView = z.object({
  id,
  chatId: id,
  author: Named,
  body: z.string(),
  createdAt: time,
  updatedAt: time,
  edited: z.boolean(),
  /** This viewer may edit it: its author or an admin (others may add their own). */
  canEdit: z.boolean(),
  history: z.array(z.object({ body: z.string(), editor: Named, at: time })),
});
export type NoteView = z.infer<typeof NoteView>;

export const TicketSummary = z.object({
  id,
  summary: z.string(),
  status: z.enum(['open', 'in_progress', 'closed']),
  company: Named,
  board: Named,
  contact: Named,
  assignedTech: z.object({ id, name: z.string().nullable() }).nullable(),
  createdAt: time,
  updatedAt: time,
});
export type TicketSummary = z.infer<typeof TicketSummary>;
export const TimelineEntry = z.object({
  id,
  kind: z.enum(['created', 'note', 'chat_session', 'attachment', 'status']),
  at: time,
  actor: z.object({ kind: MessageAuthorKind, id: id.nullable() }),
  chatId: id.nullable(),
  attachmentId: id.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export const AttachmentView = z.object({ id, filename: z.string(), contentType: z.string(), size: id, chatId: id.nullable(), createdAt: time });
export type AttachmentView = z.infer<typeof AttachmentView>;
export const TicketDetail = TicketSummary.extend({ timeline: z.array(TimelineEntry), attachments: z.array(AttachmentView) });
export type TicketDetail = z.infer<typeof TicketDetail>;

const Interval = z.object({ start: z.string(), end: z.string() });
export const OfficeHoursView = z.object({
  timezone: z.string(),
  schedule: z.record(z.string(), z.array(Interval)),
  holidays: z.array(z.object({ id: id.optional(), date: z.string(), name: z.string() })),
  status: z.object({ open: z.boolean(), nextOpenAt: time, closesAt: time, holiday: z.object({ date: z.string(), name: z.string() }).nullable() }),
});
export type OfficeHoursView = z.infer<typeof OfficeHoursView>;

export const TechMe = z.object({
  id,
  name: z.string(),
  role: z.enum(['tech', 'admin']),
  available: z.boolean(),
  /** May open the reports (an admin, or a tech granted them). */
  maySeeReports: z.boolean().optional(),
});
export const PortalMe = z.object({ id, name: z.string(), phone: z.string().nullable(), company: Named });
export const Directory = z.object({
  boards: z.array(Named),
  companies: z.array(Named),
  techs: z.array(Named),
  portalUsers: z.array(Named.extend({ companyId: id })),
});
export const Availability = z.object({ available: z.boolean() });
export type TechMe = z.infer<typeof TechMe>;
export type PortalMe = z.infer<typeof PortalMe>;
export type Directory = z.infer<typeof Directory>;

export const AdminCompany = Named.extend({ boardIds: z.array(id) });
export const AdminTech = z.object({
  id,
  email: z.string(),
  name: z.string(),
  role: z.enum(['tech', 'admin']),
  available: z.boolean(),
  active: z.boolean(),
  grants: z.object({ boardIds: z.array(id), allCompanies: z.boolean(), companyIds: z.array(id) }),
  /** May see reports (admins see them anyway). */
  maySeeReports: z.boolean(),
});
export const AdminPortalUser = z.object({
  id,
  email: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  active: z.boolean(),
  company: Named,
  createdAt: time,
});
export type AdminCompany = z.infer<typeof AdminCompany>;
export type AdminTech = z.infer<typeof AdminTech>;
export type AdminPortalUser = z.infer<typeof AdminPortalUser>;
export const EligibleTechs = z.object({ techIds: z.array(id) });

export const Boards = z.array(Named);
export const Created = z.object({ id });
/** The context panel beside a chat: the requester, their company, open tickets and other chats, as far as the tech may see them. */
export const ChatContext = z.object({
  requester: z.object({ id, name: z.string(), email: z.string(), phone: z.string().nullable() }),
  company: Named,
  openTickets: z.array(TicketSummary),
  recentChats: z.array(TechChatView.extend({ lastNote: z.string().nullable() })),
});
export type ChatContext = z.infer<typeof ChatContext>;
/** A canned reply: `shared` ones are the admins' (for every board when `boardId` is null). */
export const CannedReply = z.object({ id, shortcut: z.string(), body: z.string(), shared: z.boolean(), boardId: id.nullable(), updatedAt: time });
export type CannedReply = z.infer<typeof CannedReply>;
/** The provider's branding as both apps show it; `logoUrl` changes with the logo. */
export const WidgetSettings = z.object({ enabled: z.boolean(), key: z.string().nullable(), origins: z.array(z.string()), hasSecret: z.boolean() });
export const WidgetSecret = z.object({ secret: z.string() });
/** `boardWord`: what end users see instead of "board" (default "Topic"). */
export const Branding = z.object({ name: z.string(), accentColor: z.string().nullable(), logoUrl: z.string().nullable(), boardWord: z.string() });
export type Branding = z.infer<typeof Branding>;
/** A person's data as JSON (services/privacy.ts): the person, and what is stored about them. */
export const PersonExport = z.looseObject({ exportedAt: z.string(), person: z.looseObject({ kind: z.enum(['portal_user', 'tech']), id }) });
export const Erased = z.object({ erased: z.boolean(), chats: z.number().int(), transcripts: z.number().int() });
export const Done = z.object({ ok: z.literal(true) });
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

/** `/api/health`: the process serves. */
export const Health = z.object({ status: z.literal('ok'), node: z.string() });
const CheckState = z.enum(['ok', 'failing', 'unknown', 'not_configured']);
/** `/api/ready`: 200 when every check passes, 503 naming the failing ones. */
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  failing: z.array(z.enum(['database', 'schema', 'redis'])),
  checks: z.object({ database: CheckState, schema: CheckState, redis: CheckState }),
});
export type Readiness = z.infer<typeof Readiness>;
/** The first admin, created by the setup page. */
export const FirstAdmin = z.object({ id, email: z.string() });

/** Whether email is on (SMTP_URL set): every email option of the pages shows only then. Public. */
export const EmailOptions = z.object({ enabled: z.boolean() });
export type EmailOptions = z.infer<typeof EmailOptions>;
/** A mail was queued to this address. */
export const MailQueued = z.object({ ok: z.literal(true), to: z.string() });
export type MailQueued = z.infer<typeof MailQueued>;
export const OutgoingMail = z.object({
  id,
  purpose: z.string(),
  to: z.string(),
  subject: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  queuedAt: z.string(),
  finishedAt: time,
});
/** The admin's Email page: the settings as configured (never the SMTP password) and the recent mail. */
export const EmailAdmin = z.object({
  enabled: z.boolean(),
  server: z.string().nullable(),
  from: z.string().nullable(),
  publicUrl: z.string().nullable(),
  recent: z.array(OutgoingMail),
});
export type EmailAdmin = z.infer<typeof EmailAdmin>;
// Own account and two-factor
/** A moment, as an ISO 8601 string. */
const at = z.string();
/** A login's answer: a session (cookie set), or, for a tech with two-factor, the step that waits for a code. */
export const LoginAnswer = z.object({ ok: z.literal(true), twoFactor: z.object({ ticket: z.string(), expiresAt: at }).optional() });
export type LoginAnswer = z.infer<typeof LoginAnswer>;
/** How long after a sign-in turning two-factor on may take that sign-in instead of the password (services/two-factor.ts). */
export const RECENT_SIGN_IN_MINUTES = 10;
/**
 * What turning two-factor on takes besides a first code (null while it is on): `password`, the
 * current one; `recent_sign_in`, nothing more, as this session began with a sign-in at most
 * RECENT_SIGN_IN_MINUTES ago and either an admin requires two-factor of this tech or the tech has
 * no password here; `sign_in_again`, for a tech with no password whose session began longer ago.
 */
export const TwoFactorTurnOnWith = z.enum(['password', 'recent_sign_in', 'sign_in_again']);
export type TwoFactorTurnOnWith = z.infer<typeof TwoFactorTurnOnWith>;
export const TwoFactorStatus = z.object({
  enabled: z.boolean(),
  required: z.boolean(),
  recoveryCodesLeft: z.number().int(),
  turnOnWith: TwoFactorTurnOnWith.nullable(),
  /**
   * What turning it off or making new recovery codes takes besides a code (null while it is off):
   * `password`; or, for a tech with no password here, `recent_sign_in` (nothing more, this session
   * began with a sign-in at most RECENT_SIGN_IN_MINUTES ago) or `sign_in_again`.
   */
  checkWith: TwoFactorTurnOnWith.nullable(),
});
export type TwoFactorStatus = z.infer<typeof TwoFactorStatus>;
/** My account: who I am; for a tech, the state of two-factor. */
export const Account = z.object({ kind: z.enum(['tech', 'portal']), name: z.string(), email: z.string(), twoFactor: TwoFactorStatus.nullable() });
export type Account = z.infer<typeof Account>;
/** One of my sessions; `current` is the one asking. */
export const AccountSession = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: at,
  lastSeenAt: at,
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
});
export type AccountSession = z.infer<typeof AccountSession>;
export const EndedSessions = z.object({ endedSessions: z.number().int() });
/** Shown once, while setting up: the secret as a QR code (PNG data URL), as an otpauth URI and as text. */
export const TwoFactorSetup = z.object({ secret: z.string(), uri: z.string(), qrCode: z.string() });
export type TwoFactorSetup = z.infer<typeof TwoFactorSetup>;
/** Shown once. */
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });
export const SecuritySettings = z.object({
  techTwoFactorRequired: z.boolean(),
  techs: z.array(z.object({ id, name: z.string(), twoFactor: z.boolean(), enabledAt: at.nullable() })),
});
export type SecuritySettings = z.infer<typeof SecuritySettings>;
