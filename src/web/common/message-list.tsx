import { useEffect, useRef } from 'react';
import type { Outgoing } from './message-merge.js';
import { formatMessageTime } from './format.js';
import type { Message } from './types.js';
import type { TypingAuthor } from './use-chat-stream.js';
import { RichText } from './rich-text-view.js';
import { formatBytes } from '../../shared/files.js';
import { FileIcon } from './icons.js';
import type { FileView } from '../../shared/views.js';

/**
 * A file in the conversation: an image as its thumbnail, which opens full size in a new tab; any
 * other file as its name, which downloads. The name is text; the server sends every file as a
 * download except raster images.
 */
function FileItem({ file, base }: { file: FileView; base: string }) {
  const url = `${base}/files/${file.id}`;
  if (file.image) {
    const scale = file.width && file.height ? Math.min(1, 240 / Math.max(file.width, file.height)) : 1;
    return (
      <figure className="message-file message-image" data-testid="message-file">
        <a href={`${url}?view=1`} target="_blank" rel="noopener noreferrer" aria-label={`Open ${file.name} full size`}>
          <img
            src={`${url}/thumb`}
            alt={file.name}
            width={file.width ? Math.round(file.width * scale) : undefined}
            height={file.height ? Math.round(file.height * scale) : undefined}
            loading="lazy"
          />
        </a>
        <figcaption>
          <a href={url} download={file.name}>
            {file.name}
          </a>{' '}
          <span className="muted">{formatBytes(file.size)}</span>
        </figcaption>
      </figure>
    );
  }
  return (
    <div className="message-file" data-testid="message-file">
      <FileIcon />{' '}
      <a href={url} download={file.name}>
        {file.name}
      </a>{' '}
      <span className="muted">{formatBytes(file.size)}</span>
    </div>
  );
}

type Viewer = { kind: 'portal' | 'tech'; id: number };
/** A tech's internal note, shown in line to techs only (the portal never receives notes). */
export type InlineNote = { id: number; createdAt: string | null; author: { name: string }; body: string };

function NoteItem({ n }: { n: InlineNote }) {
  return (
    <li className="message message-note" data-testid="inline-note">
      <div className="message-meta">
        <span className="message-author">Internal note · {n.author.name}</span>{' '}
        <time dateTime={n.createdAt ?? undefined}>{formatMessageTime(n.createdAt)}</time>
      </div>
      <div className="message-body">
        <RichText text={n.body} />
      </div>
      <div className="message-state">Only techs see this</div>
    </li>
  );
}

/** The conversation. Bodies are React text children: user text is never parsed as HTML. */
export function MessageList(props: {
  messages: Message[];
  outbox?: Outgoing[];
  viewer: Viewer;
  typing?: TypingAuthor | null;
  onRetry?: (clientId: string) => void;
  onDiscard?: (clientId: string) => void;
  /** Techs' internal notes, placed among the messages by time. */
  notes?: InlineNote[];
  /** The seq up to which the other side has seen the chat: "Seen" instead of "Sent" under this side's messages. */
  seenUpTo?: number;
}) {
  const { messages, outbox = [], viewer, typing } = props;
  const fileBase = viewer.kind === 'portal' ? '/api/portal' : '/api/console';
  const noteTime = (n: InlineNote) => (n.createdAt ? Date.parse(n.createdAt) : 0);
  const notes = [...(props.notes ?? [])].sort((a, b) => noteTime(a) - noteTime(b));
  let nextNote = 0;
  /** The notes written before `at` that are not shown yet. */
  const notesBefore = (at: string | null) => {
    const from = nextNote;
    while (nextNote < notes.length && (at === null || noteTime(notes[nextNote]) <= Date.parse(at))) nextNote++;
    return notes.slice(from, nextNote).map((n) => <NoteItem key={`note-${n.id}`} n={n} />);
  };
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, outbox.length, typing, props.notes?.length]);
  return (
    // A named region that scrolls on its own: focusable, so that keyboard users can scroll it.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1, axe scrollable-region-focusable)
    <section className="messages" tabIndex={0} aria-label="Conversation">
      {/* role="log" sits on a wrapper: on the <ol> itself it would hide the list from assistive tech. */}
      <div role="log" aria-label="Messages">
        <ol className="message-list">
          {messages.flatMap((m) => {
            const before = m.createdAt ? notesBefore(m.createdAt) : [];
            const mine = m.author.kind === viewer.kind && m.author.id === viewer.id;
            if (m.author.kind === 'system')
              return [
                ...before,
                <li key={m.seq} className="message message-system" data-seq={m.seq}>
                  <span className="message-body">{m.body}</span> <time dateTime={m.createdAt ?? undefined}>{formatMessageTime(m.createdAt)}</time>
                </li>,
              ];
            return [
              ...before,
              <li key={m.seq} className={`message ${mine ? 'message-mine' : 'message-theirs'}`} data-seq={m.seq}>
                <div className="message-meta">
                  <span className="message-author">{mine ? 'You' : (m.author.name ?? 'Unknown')}</span>{' '}
                  <time dateTime={m.createdAt ?? undefined}>{formatMessageTime(m.createdAt)}</time>
                </div>
                <div className="message-body">{m.file ? <FileItem file={m.file} base={fileBase} /> : <RichText text={m.body} />}</div>
                {/* Stored by the server ("Sent"), and then seen by the other side ("Seen"). */}
                {mine && <div className="message-state">{m.seq <= (props.seenUpTo ?? 0) ? 'Seen' : 'Sent'}</div>}
              </li>,
            ];
          })}
          {notesBefore(null)}
          {outbox.map((o) => (
            <li key={o.clientId} className={`message message-mine message-${o.state}`} data-client-id={o.clientId}>
              <div className="message-meta">
                <span className="message-author">You</span>
              </div>
              <div className="message-body">
                {o.file ? (
                  <div className="message-file">
                    <FileIcon /> {o.file.name} <span className="muted">{formatBytes(o.file.size)}</span>
                  </div>
                ) : (
                  <RichText text={o.body} />
                )}
              </div>
              {o.state === 'sending' ? (
                o.file ? (
                  <div className="message-state">
                    <progress max={1} value={o.progress ?? 0} aria-label={`Sending ${o.file.name}`} /> Sending…{' '}
                    {props.onDiscard && (
                      <button type="button" className="link-button" aria-label={`Cancel sending ${o.file.name}`} onClick={() => props.onDiscard!(o.clientId)}>
                        Cancel
                      </button>
                    )}
                  </div>
                ) : (
                  <div className="message-state">Sending…</div>
                )
              ) : (
                <div className="message-state" role="alert">
                  Not sent: {o.error}{' '}
                  {props.onRetry && !o.final && (
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
