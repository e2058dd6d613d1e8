/** One schema per payload, used by the server to validate and by the web app for types. */
import { z } from 'zod';
import { ACCENT_PATTERN } from './colour.js';
import { phoneDigits, phoneParts } from './phone.js';

export const MAX_MESSAGE = 4000;
/** The longest subject of a request. */
export const MAX_SUBJECT = 200;
const id = z.number().int().positive();
// Control characters other than tab and newlines are dropped: they have no place in chat text and
// \u0002/\u0003 mark search highlights. So are the explicit direction embeddings, overrides and
// isolates (U+202A-U+202E, U+2066-U+2069): right-to-left writing needs none of them (the bidi
// algorithm lays it out), and they can turn text around so it reads as something else ("Trojan
// source"); file names lose them too (shared/files.ts). The marks U+200E/U+200F stay.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;
const clean = (s: string) => s.replace(CONTROL, '').trim();
/** Required user text: cleaned, then not empty. */
export const text = (max: number) => z.string().max(max).transform(clean).pipe(z.string().min(1, 'Must not be empty'));
/** Optional user text: cleaned, may end up empty. */
const optText = (max: number) => z.string().max(max).transform(clean).optional();
/** Opaque strings (ids, secrets, addresses): no NUL, which PostgreSQL text cannot hold. */
const opaque = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'Must not contain NUL characters');
export const ClientId = opaque(1, 100);

export const LoginBody = z.object({ email: opaque(3, 200).transform((e) => e.trim()), password: opaque(1, 200) }).strict();
/** Commands that take nothing but their path: a body, if any, must be empty. */
export const EmptyBody = z.object({}).strict().optional();
export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
});
export const AfterSeqQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) });

export const TicketChatBody = z.object({ message: text(MAX_MESSAGE).optional(), clientId: ClientId.optional() }).strict();
export const SendMessageBody = z.object({ body: text(MAX_MESSAGE), clientId: ClientId }).strict();
// Digits with optional +, spaces, dashes, dots and parentheses, 7-15 of them; an extension may follow (shared/phone.ts).
export const Phone = z
  .string()
  .trim()
  .max(40)
  .refine((p) => phoneParts(p) !== null, 'Phone number may contain digits, spaces, +, -, . and parentheses, then an extension ("ext 12")')
  .refine((p) => {
    const parts = phoneParts(p);
    const n = parts ? phoneDigits(parts) : 0;
    return !parts || (n >= 7 && n <= 15);
  }, 'Phone number must have 7 to 15 digits');
export const CallbackBody = z.object({ phone: Phone, preferredTime: optText(200), message: optText(MAX_MESSAGE) }).strict();
/** A new request; with `callback` (outside office hours, say) it goes straight to the callback list. */
export const NewRequestBody = z
  .object({ boardId: id, subject: text(MAX_SUBJECT), message: text(MAX_MESSAGE), clientId: ClientId.optional(), callback: CallbackBody.optional() })
  .strict();
export const EndBody = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ended'), note: optText(10000) }).strict(),
  z.object({ outcome: z.literal('ticket_created'), boardId: id, summary: text(200), note: optText(10000) }).strict(),
]);
export const CompleteBody = z
  .object({
    note: optText(10000),
    confirmWithoutNote: z.boolean().optional(),
    /** Mail the note to the portal user (only with email on; services/chat-mail.ts). */
    sendNoteToUser: z.boolean().optional(),
  })
  .strict();
export const NoteBody = z.object({ body: text(10000) }).strict();
export const CreateTicketFromChatBody = z.object({ boardId: id, summary: text(200) }).strict();
export const StatusBody = z.object({ available: z.boolean() }).strict();
/** To a tech (who accepts or declines) or to a board (back to waiting there). */
export const TransferBody = z.union([z.object({ techId: id }).strict(), z.object({ boardId: id }).strict()]);
export const InviteBody = z.object({ techId: id }).strict();

// A real calendar day: 2026-02-30 is refused, not rolled over.
const dateStr = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
  }, 'Not a calendar date');
export const SearchQuery = z
  .object({
    q: optText(200),
    companyId: z.coerce.number().int().positive().optional(),
    requesterId: z.coerce.number().int().positive().optional(),
    techId: z.coerce.number().int().positive().optional(),
    boardId: z.coerce.number().int().positive().optional(),
    ticketId: z.coerce.number().int().positive().optional(),
    outcome: z.enum(['ended', 'ticket_created', 'none']).optional(),
    minRating: z.coerce.number().int().min(1).max(5).optional(),
    maxRating: z.coerce.number().int().min(1).max(5).optional(),
    unrated: z
      .enum(['true'])
      .transform(() => true)
      .optional(),
    from: dateStr.optional(),
    to: dateStr.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    offset: z.coerce.number().int().min(0).max(10000).default(0),
  })
  .strict();

/** The password rule for every account, wherever one is set (admin pages, first admin, commands). */
export const PASSWORD_MIN = 8;
export const Password = z.string().min(PASSWORD_MIN, `Use at least ${PASSWORD_MIN} characters`).max(200);
export const Email = z.string().trim().email().max(200);
/** Password reset by email (services/password-reset.ts). */
export const PasswordResetRequestBody = z.object({ email: opaque(3, 200).transform((e) => e.trim()) }).strict();
export const PasswordResetBody = z.object({ token: opaque(1, 200).transform((t) => t.trim()), password: Password }).strict();
/** The admin's test mail: to the admin's own address unless another is given. */
export const TestMailBody = z.object({ to: Email.optional() }).strict();

// Admin
export const NameBody = z.object({ name: text(200) }).strict();
export const CompanyBody = z.object({ name: text(200), boardIds: z.array(id).max(500).optional() }).strict();
/** A canned reply's shortcut: what follows "/" in the composer. */
export const SHORTCUT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const shortcut = z.string().trim().toLowerCase().regex(SHORTCUT_PATTERN, 'Letters, digits, - and _ only, at most 40, starting with a letter or digit');
export const PersonalReplyBody = z.object({ shortcut, body: text(4000) }).strict();
export const SharedReplyBody = z.object({ shortcut, body: text(4000), boardId: id.nullable() }).strict();
export const CannedRepliesQuery = z
  .object({
    chatId: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 31)
      .optional(),
  })
  .strict();
/** The requester's rating of an ended chat. */
export const RatingBody = z.object({ score: z.number().int().min(1).max(5), comment: optText(1000) }).strict();
export const BoardCompaniesBody = z.object({ companyIds: z.array(id).max(5000) }).strict();
export const GrantsBody = z.object({ boardIds: z.array(id).max(500), allCompanies: z.boolean(), companyIds: z.array(id).max(5000) }).strict();
/** Whether a tech (not an admin) may see reports, over the chats they have access to. */
export const ReportsGrantBody = z.object({ allowed: z.boolean() }).strict();
export const TechBody = z
  .object({
    email: Email,
    name: text(200),
    password: Password,
    role: z.enum(['tech', 'admin']).default('tech'),
    /** Access from the start, written with the tech in one transaction (none when left out). */
    grants: GrantsBody.optional(),
  })
  .strict();
export const TechPatch = z
  .object({ name: text(200).optional(), password: Password.optional(), role: z.enum(['tech', 'admin']).optional(), active: z.boolean().optional() })
  .strict();
export const PortalUserBody = z.object({ companyId: id, email: Email, name: text(200), password: Password, phone: Phone.optional() }).strict();
export const PortalUserPatch = z
  .object({ name: text(200).optional(), password: Password.optional(), phone: Phone.optional(), active: z.boolean().optional() })
  .strict();
export const EraseBody = z.object({ confirmEmail: z.string().min(3).max(320) }).strict();
export const TicketBody = z.object({ companyId: id, boardId: id, contactId: id, summary: text(200), assignedTechId: id.nullable().optional() }).strict();
export const TicketPatch = z
  .object({ summary: text(200).optional(), status: z.enum(['open', 'in_progress', 'closed']).optional(), assignedTechId: id.nullable().optional() })
  .strict();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use HH:MM');
export const OfficeHoursBody = z
  .object({
    timezone: z.string().min(1).max(100),
    schedule: z.partialRecord(z.enum(['0', '1', '2', '3', '4', '5', '6']), z.array(z.object({ start: hhmm, end: hhmm }).strict()).max(10)),
  })
  .strict();
/** The provider's name and accent colour (#rrggbb, or null for the product's own). */
/** A company's website widget (services/widget.ts): on with the origins that may show it, or off. */
export const WidgetBody = z.object({ enabled: z.boolean(), origins: z.array(opaque(1, 200)).max(20) }).strict();
/** A host site's signed identity for the widget's frame. */
export const WidgetIdentityBody = z
  .object({ key: opaque(1, 64), email: opaque(3, 254), timestamp: z.number().int().nonnegative(), signature: opaque(1, 128) })
  .strict();
/** A word end users read in place of "board": letters, with spaces or hyphens between words. */
export const BOARD_WORD_PATTERN = /^\p{L}+(?:[ -]\p{L}+)*$/u;
export const BrandingBody = z
  .object({
    name: text(80),
    accentColor: z.string().regex(ACCENT_PATTERN, 'Must be a colour like #0b5cad').nullable(),
    boardWord: z.string().trim().min(1).max(30).regex(BOARD_WORD_PATTERN, 'Letters only, with spaces or hyphens between words').optional(),
  })
  .strict();
export const HolidayBody = z.object({ date: dateStr, name: text(200) }).strict();

// First start: the first admin, guarded by the setup token the server printed in its log.
export const SetupAdminBody = z.object({ token: opaque(1, 200).transform((t) => t.trim()), name: text(200), email: Email, password: Password }).strict();

// Own account and two-factor (services/account.ts, services/two-factor.ts)
/** A code from an authenticator app (6 digits) or a recovery code (xxxxx-xxxxx). */
const SecondFactorCode = z.string().trim().min(6).max(40);
export const ChangePasswordBody = z.object({ currentPassword: opaque(1, 200), newPassword: Password }).strict();
export const SessionIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'Not a session id') });
/** Turning two-factor on: a first code, and the current password (services/two-factor.ts says when it may be left out). */
export const TwoFactorConfirmBody = z.object({ code: SecondFactorCode, password: opaque(1, 200).optional() }).strict();
/** Turning two-factor off, new recovery codes: a code, and the password unless the account's `checkWith` allows none. */
export const TwoFactorCheckBody = z.object({ password: opaque(1, 200).optional(), code: SecondFactorCode }).strict();
export const LoginCodeBody = z.object({ ticket: opaque(1, 200), code: SecondFactorCode }).strict();
export const SecurityBody = z.object({ techTwoFactorRequired: z.boolean() }).strict();
