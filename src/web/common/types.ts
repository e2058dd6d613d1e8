/** Web-side names for the presented objects of src/shared/views.ts, which the server's presenters return. */
import type { MessageView, PortalChatView, TechChatView } from '../../shared/views.js';

export type { Ack } from '../../shared/realtime.js';
export type { ChatStatus } from '../../shared/views.js';
export type Message = MessageView;
export type PortalChat = PortalChatView;
export type ConsoleChat = TechChatView;
export type AnyChat = PortalChat | ConsoleChat;

export type { TicketSummary, TimelineEntry, TicketDetail, AttachmentView as Attachment, OfficeHoursView as OfficeHoursInfo } from '../../shared/views.js';
