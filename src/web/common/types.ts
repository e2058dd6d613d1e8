/** Web-side names for the server's presented objects; the presenters are the single source of truth. */
import type { ChatView, MessageView } from '../../server/services/presenters.js';

export type Message = MessageView;
export type PortalChat = Extract<ChatView, { offerPending: boolean }>;
export type ConsoleChat = Extract<ChatView, { alertStage: string }>;
export type AnyChat = PortalChat | ConsoleChat;
export type ChatStatus = 'waiting' | 'active' | 'abandoned' | 'callback' | 'completed';

export type Ack<T = object> = ({ ok: true } & T) | { ok?: undefined; error: { code: string; message: string; details?: Record<string, unknown> } };

export type TicketSummary = {
  id: number;
  summary: string;
  status: string;
  company: { id: number; name: string };
  board: { id: number; name: string };
  contact: { id: number; name: string };
  assignedTech: { id: number; name: string | null } | null;
  createdAt: string | null;
  updatedAt: string | null;
};
export type TimelineEntry = {
  id: number;
  kind: string;
  at: string | null;
  actor: { kind: string; id: number | null };
  chatId: number | null;
  attachmentId: number | null;
  data: Record<string, unknown>;
};
export type Attachment = { id: number; filename: string; contentType: string; size: number; chatId: number | null; createdAt: string | null };
export type TicketDetail = TicketSummary & { timeline: TimelineEntry[]; attachments: Attachment[] };

export type OfficeHoursInfo = {
  timezone: string;
  schedule: Record<string, { start: string; end: string }[]>;
  holidays: { id?: number; date: string; name: string }[];
  status: { open: boolean; nextOpenAt: string | null; closesAt: string | null; holiday: { date: string; name: string } | null };
};
