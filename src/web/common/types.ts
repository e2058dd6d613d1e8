/** Web-side names for the presented objects of src/shared/views.ts, which the server's presenters return. */
import type { MessageView, PortalChatView, TechChatView } from '../../shared/views.js';

export type { Ack } from '../../shared/realtime.js';
export type { ChatStatus } from '../../shared/views.js';
export type Message = MessageView;
export type PortalChat = PortalChatView;
export type ConsoleChat = TechChatView;
export type AnyChat = PortalChat | ConsoleChat;

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
