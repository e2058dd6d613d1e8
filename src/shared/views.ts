/**
 * The presented objects both sides see: the server's presenters return exactly these, HTTP and
 * real time alike, and the web reads them. Times are ISO strings, ids numbers.
 */
export type ChatStatus = 'waiting' | 'active' | 'abandoned' | 'callback' | 'completed';
export type ChatOutcome = 'ended' | 'ticket_created';

/** What the portal user may do with the chat now (the server's rule table decides). */
export type PortalChatAbilities = { write: boolean; leave: boolean; keepWaiting: boolean; callback: boolean };
/** What this tech may do with the chat now (the server's rule table decides). */
export type TechChatAbilities = { join: boolean; write: boolean; end: boolean; complete: boolean; createTicket: boolean; addNote: boolean };

type Named = { id: number; name: string };

export type ChatViewBase = {
  id: number;
  source: 'new_request' | 'ticket';
  ticketId: number | null;
  subject: string;
  status: ChatStatus;
  board: Named;
  company: Named;
  requester: Named;
  tech: { id: number; name: string | null } | null;
  outcome: ChatOutcome | null;
  createdTicketId: number | null;
  lastSeq: number;
  requestedAt: string | null;
  joinedAt: string | null;
  leftAt: string | null;
  endedAt: string | null;
  completedAt: string | null;
  abandonedAt: string | null;
  callbackAt: string | null;
  callback: { phone: string; preferredTime: string | null; message: string | null } | null;
};

export type PortalChatView = ChatViewBase & { offerPending: boolean; abilities: PortalChatAbilities };
export type TechChatView = ChatViewBase & { alertStage: 'assigned' | 'all'; abilities: TechChatAbilities };
export type ChatView = PortalChatView | TechChatView;

export type MessageAuthorKind = 'portal' | 'tech' | 'system';
export type MessageView = {
  id: number;
  chatId: number;
  seq: number;
  author: { kind: MessageAuthorKind; id: number | null; name: string | null };
  body: string;
  clientId: string | null;
  createdAt: string | null;
};

/** The four status-bar sections of a tech, each oldest first. */
export type StatusBarView = {
  available: boolean;
  waiting: TechChatView[];
  active: TechChatView[];
  abandoned: TechChatView[];
  callback: TechChatView[];
};
