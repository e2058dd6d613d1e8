/** A chat by id: the live conversation while this tech is in it, otherwise its record. */
import { useEffect, useMemo, useState } from 'react';
import { fillPlaceholders } from '../common/slash-suggestions.js';
import { useQueryClient } from '@tanstack/react-query';
import { Composer } from '../common/composer.js';
import { draftKey } from '../common/drafts.js';
import { takeJoinedNow } from './join.js';
import { ErrorBanner } from '../common/error-banner.js';
import { MessageList } from '../common/message-list.js';
import { Link } from '../common/router.js';
import { getSocket } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';
import { useChatStream } from '../common/use-chat-stream.js';
import { ChatFacts } from './chat-facts.js';
import { ChatRecord } from './chat-record.js';
import { EndDialog } from './end-dialog.js';
import { useRequesterOnline } from './presence.js';
import { keys, useCannedReplies, useChat, type Me } from './queries.js';

export function ChatPage({ id, me }: { id: number; me: Me }) {
  const chat = useChat(id);
  if (chat.isPending)
    return (
      <main className="app-main" id="main">
        Loading the chat…
      </main>
    );
  if (chat.error)
    return (
      <main className="app-main" id="main">
        <h1>Chat #{id}</h1>
        <ErrorBanner error={chat.error} />
        <Link to="/console">Back to the console</Link>
      </main>
    );
  // The live conversation for the tech who may write in it (the one who joined); its record for others.
  if (chat.data.abilities.write) return <LiveChat id={id} me={me} initial={chat.data} />;
  return <ChatRecord chat={chat.data} me={me} />;
}

function LiveChat({ id, me, initial }: { id: number; me: Me; initial: ConsoleChat }) {
  const qc = useQueryClient();
  const socket = getSocket('/console');
  // The tabs keep following this chat when another one is on screen, so the room is not left here.
  const stream = useChatStream(socket, '/console', id, { unsubscribeOnClose: false });
  const online = useRequesterOnline(socket, id);
  const [ending, setEnding] = useState(false);
  const chat = stream.chat ?? initial;
  // The stream sees the chat change first (end from another tab, access withdrawn): the page follows.
  useEffect(() => {
    if (stream.chat && !stream.chat.abilities.write) qc.setQueryData(keys.chat(id), stream.chat);
  }, [stream.chat, qc, id]);
  // Canned replies for this chat, its placeholders filled in for this requester and this tech.
  const canned = useCannedReplies(id).data;
  const suggestions = useMemo(
    () =>
      (canned ?? []).map((r) => ({
        shortcut: r.shortcut,
        text: fillPlaceholders(r.body, { firstName: chat.requester.name.split(/\s+/)[0] ?? '', techName: me.name, company: chat.company.name }),
      })),
    [canned, chat.requester.name, chat.company.name, me.name],
  );
  const left = chat.leftAt !== null;
  const presence = left ? 'Left the chat' : online === null ? 'Checking…' : online ? 'Online' : 'Offline';

  return (
    <main className="app-main chat-main" id="main">
      <h1>{chat.subject}</h1>
      <ChatFacts chat={chat} />
      <p className="presence">
        Requester: <span className={`presence-dot ${left ? 'left' : online ? 'online' : 'offline'}`} aria-hidden="true" />
        <strong data-testid="presence">{presence}</strong>
      </p>
      {left && <p className="banner banner-warn">{chat.requester.name} left the chat. End it when you are done.</p>}
      <ErrorBanner error={stream.error} />
      <MessageList
        messages={stream.messages}
        outbox={stream.outbox}
        viewer={{ kind: 'tech', id: me.id }}
        typing={stream.typing}
        onRetry={stream.retry}
        onDiscard={stream.discard}
      />
      <Composer
        onSend={stream.send}
        onTyping={stream.notifyTyping}
        draftKey={draftKey('tech', me.id, chat.id)}
        autoFocus={takeJoinedNow(chat.id)}
        suggestions={suggestions}
      />
      <div className="row chat-actions">
        <button type="button" className="danger" onClick={() => setEnding(true)}>
          End chat…
        </button>
      </div>
      {ending && <EndDialog chat={chat} onClose={() => setEnding(false)} />}
    </main>
  );
}
