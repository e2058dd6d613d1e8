/** A chat by id: the live conversation while this tech is in it, otherwise its record. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../common/api.js';
import { SERVER_EVENTS, type ConsoleServerEvents } from '../../shared/realtime.js';
import { fillPlaceholders } from '../common/slash-suggestions.js';
import { useQueryClient } from '@tanstack/react-query';
import { Composer } from '../common/composer.js';
import { FileDrop } from '../common/file-drop.js';
import { draftKey } from '../common/drafts.js';
import { takeJoinedNow } from './join.js';
import { ErrorBanner } from '../common/error-banner.js';
import { MessageList } from '../common/message-list.js';
import { Link } from '../common/router.js';
import { getSocket, useSocketEvent } from '../common/socket.js';
import type { ConsoleChat } from '../common/types.js';
import { useChatStream } from '../common/use-chat-stream.js';
import { ChatFacts } from './chat-facts.js';
import { ContextPanel } from './context-panel.js';
import { ChatRecord } from './chat-record.js';
import { EndDialog } from './end-dialog.js';
import { PendingOfferBanner } from './pending-offer.js';
import { TransferDialog } from './transfer-dialog.js';
import { StepOutDialog } from './step-out-dialog.js';
import { useRequesterOnline } from './presence.js';
import { contextQuery, keys, useCannedReplies, useChat, useNotes, type Me } from './queries.js';
import type { Socket } from 'socket.io-client';
import { useSeen } from '../common/use-seen.js';

export function ChatPage({ id, me }: { id: number; me: Me }) {
  const chat = useChat(id);
  // The context panel's data is asked for at once with the chat, not after the page is drawn.
  const qc = useQueryClient();
  useEffect(() => void qc.prefetchQuery(contextQuery(id)), [qc, id]);
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
  const [transferring, setTransferring] = useState(false);
  const [steppingOut, setSteppingOut] = useState(false);
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
  // Internal notes in line, kept current by the 'note' event of the chat's console stream.
  const notes = useNotes(id);
  const onNote = useCallback<ConsoleServerEvents['note']>(
    (n) => {
      if (n.chatId === id) void qc.invalidateQueries({ queryKey: keys.notes(id) });
    },
    [qc, id],
  );
  useSocketEvent(socket, SERVER_EVENTS.note, onNote);
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [noteError, setNoteError] = useState<unknown>(null);
  const addNote = async (body: string) => {
    setNoteError(null);
    try {
      await api.post(`/api/console/chats/${id}/notes`, { body });
      await qc.invalidateQueries({ queryKey: keys.notes(id) });
      return true;
    } catch (e) {
      setNoteError(e);
      return false;
    }
  };
  const seenUpTo = useSeen(socket as unknown as Socket, id, 'tech', chat.abilities.write, stream.messages, chat.readSeq);
  const left = chat.leftAt !== null;
  const presence = left ? 'Left the chat' : online === null ? 'Checking…' : online ? 'Online' : 'Offline';

  return (
    <main className="app-main chat-main" id="main">
      <h1>{chat.subject}</h1>
      <ChatFacts chat={chat} />
      <ContextPanel chatId={chat.id} />
      <p className="presence">
        Requester: <span className={`presence-dot ${left ? 'left' : online ? 'online' : 'offline'}`} aria-hidden="true" />
        <strong data-testid="presence">{presence}</strong>
      </p>
      {left && <p className="banner banner-warn">{chat.requester.name} left the chat. End it when you are done.</p>}
      <ErrorBanner error={stream.error} />
      <FileDrop onFiles={mode === 'reply' && chat.abilities.write ? stream.sendFiles : undefined}>
        <MessageList
          messages={stream.messages}
          outbox={stream.outbox}
          viewer={{ kind: 'tech', id: me.id }}
          typing={stream.typing}
          onRetry={stream.retry}
          onDiscard={stream.discard}
          notes={notes.data}
          seenUpTo={seenUpTo}
        />
        {/* A reply goes to the requester; an internal note stays with the techs. On a phone the
          switch and the box stay together at the bottom of the screen. */}
        <div className="compose-dock">
          <fieldset className="compose-mode">
            <legend className="visually-hidden">Write</legend>
            <label className={mode === 'reply' ? 'selected' : ''}>
              <input type="radio" name={`mode-${id}`} checked={mode === 'reply'} onChange={() => setMode('reply')} />
              {/* After they left, a reply reaches them only in the transcript. */}
              {left ? `Reply (${chat.requester.name} left: the transcript keeps it)` : `Reply to ${chat.requester.name}`}
            </label>
            <label className={mode === 'note' ? 'selected' : ''}>
              <input type="radio" name={`mode-${id}`} checked={mode === 'note'} onChange={() => setMode('note')} />
              Internal note
            </label>
          </fieldset>
          {mode === 'reply' ? (
            <Composer
              onSend={stream.send}
              onTyping={stream.notifyTyping}
              draftKey={draftKey('tech', me.id, chat.id)}
              autoFocus={takeJoinedNow(chat.id)}
              suggestions={suggestions}
              onFiles={stream.sendFiles}
            />
          ) : (
            <div className="note-composer">
              <ErrorBanner error={noteError} onDismiss={() => setNoteError(null)} />
              <Composer
                onSend={addNote}
                draftKey={`note:${draftKey('tech', me.id, chat.id)}`}
                autoFocus
                label="Internal note"
                placeholder="Write an internal note: only techs see it (Enter to add)"
              />
            </div>
          )}
        </div>
      </FileDrop>
      <PendingOfferBanner chat={chat} socket={socket} meId={me.id} />
      <div className="row chat-actions">
        {chat.abilities.transfer && (
          <button type="button" className="secondary" onClick={() => setTransferring(true)}>
            Transfer or invite…
          </button>
        )}
        {chat.abilities.stepOut && (
          <button type="button" className="secondary" onClick={() => setSteppingOut(true)}>
            Leave chat…
          </button>
        )}
        <button type="button" className="danger" onClick={() => setEnding(true)}>
          End chat…
        </button>
      </div>
      {ending && <EndDialog chat={chat} onClose={() => setEnding(false)} />}
      {steppingOut && <StepOutDialog chat={chat} meId={me.id} onClose={() => setSteppingOut(false)} />}
      {transferring && <TransferDialog chat={chat} onClose={() => setTransferring(false)} />}
    </main>
  );
}
