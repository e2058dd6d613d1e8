/** One schema per payload, used by the server to validate and by the web app for types. */
import { z } from 'zod';

export const MAX_MESSAGE = 4000;
const id = z.number().int().positive();
// Control characters other than tab and newlines are dropped: they have no place in chat text and
// \u0002/\u0003 mark search highlights.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const text = (max: number) =>
  z
    .string()
    .max(max)
    .transform((s) => s.replace(CONTROL, '').trim())
    .pipe(z.string().min(1, 'Must not be empty'));

export const LoginBody = z.object({ email: z.string().trim().min(3).max(200), password: z.string().min(1).max(200) }).strict();
export const IdParam = z.object({ id: z.coerce.number().int().positive().max(2 ** 31) });
export const AfterSeqQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) });

export const TicketChatBody = z.object({ message: text(MAX_MESSAGE).optional(), clientId: z.string().min(1).max(100).optional() }).strict();
export const SendMessageBody = z.object({ body: text(MAX_MESSAGE), clientId: z.string().min(1).max(100) }).strict();
// Digits with optional +, spaces, dashes, dots and parentheses; 7-15 digits in all.
export const Phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ().-]+$/, 'Phone number may contain digits, spaces, +, -, . and parentheses')
  .refine((p) => {
    const n = p.replace(/\D/g, '').length;
    return n >= 7 && n <= 15;
  }, 'Phone number must have 7 to 15 digits');
export const CallbackBody = z
  .object({ phone: Phone, preferredTime: z.string().trim().max(200).optional(), message: z.string().trim().max(MAX_MESSAGE).optional() })
  .strict();
/** A new request; with `callback` (outside office hours, say) it goes straight to the callback list. */
export const NewRequestBody = z
  .object({ boardId: id, subject: text(200), message: text(MAX_MESSAGE), clientId: z.string().min(1).max(100).optional(), callback: CallbackBody.optional() })
  .strict();
export const EndBody = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('ended'), note: z.string().trim().max(10000).optional() }).strict(),
  z.object({ outcome: z.literal('ticket_created'), boardId: id, summary: text(200), note: z.string().trim().max(10000).optional() }).strict(),
]);
export const CompleteBody = z.object({ note: z.string().trim().max(10000).optional(), confirmWithoutNote: z.boolean().optional() }).strict();
export const NoteBody = z.object({ body: text(10000) }).strict();
export const CreateTicketFromChatBody = z.object({ boardId: id, summary: text(200) }).strict();
export const StatusBody = z.object({ available: z.boolean() }).strict();

const dateStr = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const SearchQuery = z
  .object({
    q: z.string().trim().max(200).optional(),
    companyId: z.coerce.number().int().positive().optional(),
    requesterId: z.coerce.number().int().positive().optional(),
    techId: z.coerce.number().int().positive().optional(),
    boardId: z.coerce.number().int().positive().optional(),
    ticketId: z.coerce.number().int().positive().optional(),
    outcome: z.enum(['ended', 'ticket_created', 'none']).optional(),
    from: dateStr.optional(),
    to: dateStr.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    offset: z.coerce.number().int().min(0).max(10000).default(0),
  })
  .strict();

// Admin
export const NameBody = z.object({ name: text(200) }).strict();
export const CompanyBody = z.object({ name: text(200), boardIds: z.array(id).max(500).optional() }).strict();
export const TechBody = z
  .object({
    email: z.string().trim().email().max(200),
    name: text(200),
    password: z.string().min(8).max(200),
    role: z.enum(['tech', 'admin']).default('tech'),
  })
  .strict();
export const TechPatch = z
  .object({ name: text(200).optional(), password: z.string().min(8).max(200).optional(), role: z.enum(['tech', 'admin']).optional(), active: z.boolean().optional() })
  .strict();
export const GrantsBody = z.object({ boardIds: z.array(id).max(500), allCompanies: z.boolean(), companyIds: z.array(id).max(5000) }).strict();
export const PortalUserBody = z
  .object({ companyId: id, email: z.string().trim().email().max(200), name: text(200), password: z.string().min(8).max(200), phone: Phone.optional() })
  .strict();
export const PortalUserPatch = z.object({ name: text(200).optional(), password: z.string().min(8).max(200).optional(), phone: Phone.optional(), active: z.boolean().optional() }).strict();
export const TicketBody = z.object({ companyId: id, boardId: id, contactId: id, summary: text(200), assignedTechId: id.nullable().optional() }).strict();
export const TicketPatch = z.object({ summary: text(200).optional(), status: z.enum(['open', 'in_progress', 'closed']).optional(), assignedTechId: id.nullable().optional() }).strict();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use HH:MM');
export const OfficeHoursBody = z
  .object({
    timezone: z.string().min(1).max(100),
    schedule: z.record(z.enum(['0', '1', '2', '3', '4', '5', '6']), z.array(z.object({ start: hhmm, end: hhmm }).strict()).max(10)),
  })
  .strict();
export const HolidayBody = z.object({ date: dateStr, name: text(200) }).strict();
