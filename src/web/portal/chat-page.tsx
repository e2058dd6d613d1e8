import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useHiddenTabTitle } from '../common/hidden-tab-title.js';
import { api } from '../common/api.js';
import { Composer } from '../common/composer.js';
import { FileDrop } from '../common/file-drop.js';
import { draftKey } from '../common/drafts.js';
import { ErrorBanner } from '../common/error-banner.js';
import { ConfirmDialog } from '../common/modal.js';
import { MessageList } from '../common/message-list.js';
import { Link } from '../common/router.js';
import { getSocket } from '../common/socket.js';
import type { PortalChat } from '../common/types.js';
import { useChatStream } from '../common/use-chat-stream.js';
import { chatStatusText } from './status-text.js';
import { isOpen, keys, useChatDetail, type Me } from './queries.js';
import { WaitingPanel } from './waiting-panel.js';
import { ChatOutcome } from './chat-outcome.js';
import type { Socket } from 'socket.io-client';
import { useSeen } from '../common/use-seen.js';

export function ChatPage({ id, me }: { id: number; me: Me }) {
  const qc = useQueryClient();
  const socket = getSocket('/portal');
  const stream = useChatStream(socket, '/portal', id);
  const chat = stream.chat;
  const seenUpTo = useSeen(socket as unknown as Socket, id, 'requester', true, stream.messages, chat?.readSeq);
  const detail = useChatDetail(id, chat?.status === 'waiting');
  const [existing] = useState(() => new URLSearchParams(location.search).has('existing'));
  useNewsInTitle(stream.chat, stream.messages);

  const act = useCallback(
    async (path: string, body: unknown = {}) => {
      const next = await api.post<PortalChat>(`/api/portal/chats/${id}/${path}`, body);
      stream.setChat(next);
      void qc.invalidateQueries({ queryKey: keys.chats });
      void qc.invalidateQueries({ queryKey: keys.chat(id) });
    },
    [id, stream.setChat, qc],
  );

  if (stream.error && !chat)
    return (
      <main className="app-main">
        <ErrorBanner error={stream.error} />
        <Link to="/">Back to my tickets and chats</Link>
      </main>
    );
  if (!chat) return <main className="app-main">Loading the chat…</main>;

  const active = chat.status === 'active';
  const left = active && chat.leftAt !== null;
  return (
    <main className="app-main">
      <p>
        <Link to="/">← My tickets and chats</Link>
      </p>
      <h1>{chat.subject}</h1>
      <p className="muted" data-testid="chat-status">
        {chat.board.name} · {chatStatusText(chat)}
        {chat.tech && (
          <>
            {/* Everyone taking part: more than one when a colleague was invited in. */}
            {' · '}
            {chat.techs.length > 1 ? 'Technicians' : 'Technician'}:{' '}
            <strong data-testid="tech-name">{chat.techs.length > 1 ? chat.techs.map((t) => t.name).join(', ') : chat.tech.name}</strong>
          </>
        )}
        {chat.ticketId && (
          <>
            {' · '}
            <Link to={`/tickets/${chat.ticketId}`}>Ticket #{chat.ticketId}</Link>
          </>
        )}
      </p>
      {stream.error && (
        <div className="banner banner-error" role="alert">
          <span>Live updates of this chat stopped: {stream.error.message}</span>
          <button type="button" className="secondary" onClick={() => void stream.refresh()}>
            Try again
          </button>
        </div>
      )}
      {existing && isOpen(chat) && <p className="banner banner-ok">You already have this chat open, so we brought you back to it.</p>}
      {chat.status === 'waiting' && (
        <WaitingPanel
          chat={chat}
          queuePosition={detail.data?.queuePosition ?? null}
          expectedWait={detail.data?.expectedWait ?? null}
          actions={{ keepWaiting: () => act('keep-waiting'), leave: () => act('leave'), callback: (b) => act('callback', b) }}
        />
      )}
      {active && !left && (
        <p className="banner banner-ok">
          {chat.techs.length > 1
            ? `${chat.techs.map((t) => t.name).join(' and ')} are in the chat. You can chat now.`
            : `${chat.tech?.name ?? 'A technician'} has joined. You can chat now.`}
        </p>
      )}
      <FileDrop onFiles={chat.abilities.write ? stream.sendFiles : undefined}>
        <MessageList
          messages={stream.messages}
          outbox={stream.outbox}
          viewer={{ kind: 'portal', id: me.id }}
          typing={stream.typing}
          onRetry={stream.retry}
          onDiscard={stream.discard}
          seenUpTo={seenUpTo}
        />
        {chat.abilities.write && (
          <Composer onSend={stream.send} onTyping={stream.notifyTyping} draftKey={draftKey('portal', me.id, id)} onFiles={stream.sendFiles} />
        )}
      </FileDrop>
      {active && chat.abilities.leave && <LeaveButton onLeave={() => act('leave')} />}
      {left && <p className="banner banner-warn">You left this chat. The technician will close it; you will find it under your past chats.</p>}
      <ChatOutcome chat={chat} firstMessage={stream.messages.find((m) => m.author.kind === 'portal')?.body ?? null} />
    </main>
  );
}

/** A technician joining or replying while the user looks at another tab shows in the tab's title. */
function useNewsInTitle(chat: PortalChat | null, messages: { seq: number; author: { kind: string } }[]) {
  const news = useHiddenTabTitle();
  const seen = useRef<{ status: string | null; seq: number }>({ status: null, seq: -1 });
  useEffect(() => {
    // Chat and messages load apart: start once both are there (a chat has its first message).
    if (!chat || !messages.length) return;
    const last = messages.at(-1)?.seq ?? 0;
    const before = seen.current;
    // The first render only records where things stand.
    if (before.seq >= 0) {
      if (before.status === 'waiting' && chat.status === 'active') news(`${chat.tech?.name ?? 'A technician'} joined`);
      else if (messages.some((m) => m.seq > before.seq && m.author.kind === 'tech')) news('New reply');
    }
    seen.current = { status: chat.status, seq: last };
  }, [chat, messages, news]);
}

function LeaveButton({ onLeave }: { onLeave: () => Promise<unknown> }) {
  const [asking, setAsking] = useState(false);
  return (
    <div>
      <button type="button" className="secondary" onClick={() => setAsking(true)}>
        Leave the chat
      </button>
      {asking && (
        <ConfirmDialog
          title="Leave this chat?"
          message="The technician will see that you left and will close the chat. You will not be able to write in it again."
          confirmLabel="Leave the chat"
          cancelLabel="Stay in the chat"
          onConfirm={onLeave}
          onClose={() => setAsking(false)}
        />
      )}
    </div>
  );
}
