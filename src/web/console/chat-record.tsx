/** A chat this tech is not live in: its facts, messages, notes, and the actions its state allows. */
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorMessage } from '../common/api.js';
import { joinChat } from './join.js';
import { ErrorBanner } from '../common/error-banner.js';
import { MessageList } from '../common/message-list.js';
import { Link } from '../common/router.js';
import type { ConsoleChat, Message } from '../common/types.js';
import { ChatFacts } from './chat-facts.js';
import { CompleteDialog } from './complete-dialog.js';
import { NotesPanel } from './notes-panel.js';
import { TicketFromChat } from './ticket-from-chat.js';
import { keys, type Me } from './queries.js';

/** A waiting chat opened from a link: join it right here. */
function JoinHere({ chatId }: { chatId: number }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const join = async () => {
    setBusy(true);
    setError(null);
    try {
      const chat = await joinChat(chatId);
      qc.setQueryData(keys.chat(chatId), chat);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" disabled={busy} onClick={() => void join()}>
        Join this chat
      </button>
      {error && (
        <span className="banner banner-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}

async function allMessages(chatId: number): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const page = await api.get<Message[]>(`/api/console/chats/${chatId}/messages?after=${out.at(-1)?.seq ?? 0}&limit=1000`);
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

export function ChatRecord({ chat, me }: { chat: ConsoleChat; me: Me }) {
  // Keyed by the last seq so a chat that moves on (a message, an end) is read again.
  const messages = useQuery({ queryKey: [...keys.messages(chat.id), chat.lastSeq, chat.status], queryFn: () => allMessages(chat.id) });
  const [completing, setCompleting] = useState(false);
  const completed = chat.status === 'completed';
  return (
    <main className="app-main" id="main">
      <h1>{chat.subject}</h1>
      <ChatFacts chat={chat} full />
      {chat.callback && (
        <section className="card" aria-label="Callback request">
          <h2>Callback request</h2>
          <dl className="facts">
            <dt>Phone</dt>
            <dd>{chat.callback.phone}</dd>
            {chat.callback.preferredTime && (
              <>
                <dt>Preferred time</dt>
                <dd>{chat.callback.preferredTime}</dd>
              </>
            )}
            {chat.callback.message && (
              <>
                <dt>Message</dt>
                <dd className="pre">{chat.callback.message}</dd>
              </>
            )}
          </dl>
        </section>
      )}
      <div className="row chat-actions">
        {chat.abilities.complete && (
          <button type="button" onClick={() => setCompleting(true)}>
            Complete…
          </button>
        )}
        {chat.status === 'active' && !chat.abilities.write && <p className="muted">{chat.tech?.name} is in this chat.</p>}
        {chat.abilities.join && <JoinHere chatId={chat.id} />}
        {completed && !chat.messagesRemovedAt && (
          <a className="button secondary" href={`/api/console/chats/${chat.id}/transcript`} download={`chat-${chat.id}.txt`}>
            Download transcript
          </a>
        )}
      </div>
      <h2>Messages</h2>
      <ErrorBanner error={messages.error} />
      {/* How far the requester read, as in the live chat: "Seen", not "Sent", under what they saw. */}
      {messages.data && <MessageList messages={messages.data} viewer={{ kind: 'tech', id: me.id }} seenUpTo={chat.readSeq.requester} />}
      {chat.abilities.createTicket && <TicketFromChat chat={chat} />}
      <NotesPanel chatId={chat.id} />
      <p>
        <Link to="/console/search">← Search completed chats</Link>
      </p>
      {completing && <CompleteDialog chat={chat} onClose={() => setCompleting(false)} />}
    </main>
  );
}
