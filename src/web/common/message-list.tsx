import { useEffect, useRef } from 'react';
import type { Outgoing } from './message-merge.js';
import { formatMessageTime } from './format.js';
import type { Message } from './types.js';
import type { TypingAuthor } from './use-chat-stream.js';
import { RichText } from './rich-text-view.js';

type Viewer = { kind: 'portal' | 'tech'; id: number };

/** The conversation. Bodies are React text children: user text is never parsed as HTML. */
export function MessageList(props: {
  messages: Message[];
  outbox?: Outgoing[];
  viewer: Viewer;
  typing?: TypingAuthor | null;
  onRetry?: (clientId: string) => void;
  onDiscard?: (clientId: string) => void;
}) {
  const { messages, outbox = [], viewer, typing } = props;
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, outbox.length, typing]);
  return (
    // A named region that scrolls on its own: focusable, so that keyboard users can scroll it.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <section className="messages" tabIndex={0} aria-label="Conversation">
      {/* role="log" sits on a wrapper: on the <ol> itself it would hide the list from assistive tech. */}
      <div role="log" aria-label="Messages">
        <ol className="message-list">
          {messages.map((m) => {
            const mine = m.author.kind === viewer.kind && m.author.id === viewer.id;
            if (m.author.kind === 'system')
              return (
                <li key={m.seq} className="message message-system" data-seq={m.seq}>
                  <span className="message-body">{m.body}</span> <time dateTime={m.createdAt ?? undefined}>{formatMessageTime(m.createdAt)}</time>
                </li>
              );
            return (
              <li key={m.seq} className={`message ${mine ? 'message-mine' : 'message-theirs'}`} data-seq={m.seq}>
                <div className="message-meta">
                  <span className="message-author">{mine ? 'You' : (m.author.name ?? 'Unknown')}</span>{' '}
                  <time dateTime={m.createdAt ?? undefined}>{formatMessageTime(m.createdAt)}</time>
                </div>
                <div className="message-body">
                  <RichText text={m.body} />
                </div>
                {/* Stored by the server; whether the other side has read it is not known here. */}
                {mine && <div className="message-state">Sent</div>}
              </li>
            );
          })}
          {outbox.map((o) => (
            <li key={o.clientId} className={`message message-mine message-${o.state}`} data-client-id={o.clientId}>
              <div className="message-meta">
                <span className="message-author">You</span>
              </div>
              <div className="message-body">
                <RichText text={o.body} />
              </div>
              {o.state === 'sending' ? (
                <div className="message-state">Sending…</div>
              ) : (
                <div className="message-state" role="alert">
                  Not sent: {o.error}{' '}
                  {props.onRetry && (
                    <button type="button" className="link-button" onClick={() => props.onRetry!(o.clientId)}>
                      Retry
                    </button>
                  )}{' '}
                  {props.onDiscard && (
                    <button type="button" className="link-button" onClick={() => props.onDiscard!(o.clientId)}>
                      Discard
                    </button>
                  )}
                </div>
              )}
            </li>
          ))}
        </ol>
      </div>
      <div className="typing" aria-live="polite">
        {typing ? `${typing.name} is typing…` : ''}
      </div>
      <div ref={end} />
    </section>
  );
}
