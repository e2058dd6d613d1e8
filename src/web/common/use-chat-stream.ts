/**
 * The live stream of one chat, for either audience. Live events are hints and the server's `seq`
 * is the truth: on every (re)connect and on any gap the hook asks for everything after the last
 * contiguous seq. Outgoing messages carry a client id and stay in an outbox (kept across reloads)
 * until the server confirms them, so a retry after a dropped connection is stored once.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { CLIENT_EVENTS, SERVER_EVENTS, type ClientToServerEvents, type PortalServerEvents, type TypingEvent } from '../../shared/realtime.js';
import { contiguousSeq, loadOutbox, mergeMessages, saveOutbox, type Outgoing } from './message-merge.js';
import { AckError, emitAck, newClientId, type Namespace } from './socket.js';
import { api } from './api.js';
import { newerChat } from './chat-versions.js';
import type { AnyChat, Message } from './types.js';
import { allowedTypes, cleanFilename, refuseFile } from '../../shared/files.js';
import { dropFile, keepFile, keptFile, purgeOldFiles } from './file-store.js';
import { fileRules, uploadFile } from './file-upload.js';
import type { ApiError } from './api.js';

export type TypingAuthor = TypingEvent['author'];
const FILE_REFUSALS = new Set(['file_type_refused', 'file_too_large', 'file_empty']);
const TYPING_IDLE_MS = 3000;
const TYPING_SHOWN_MS = 8000;

/**
 * What a chat stream speaks, on either namespace: the events of one chat, whose view is `C` (the
 * portal's on `/portal`, the tech's on `/console`). Both namespaces' sockets are such a socket;
 * `nsp` must be the socket's own namespace.
 */
type StreamServerEvents<C extends AnyChat> = Pick<PortalServerEvents, 'message' | 'typing' | 'resync'> & { chat: (c: C) => void };
export type StreamSocket<C extends AnyChat, N extends Namespace = Namespace> = Socket<StreamServerEvents<C>, ClientToServerEvents<C>> & {
  readonly __namespace?: N;
};

export function useChatStream<C extends AnyChat, N extends Namespace>(
  socket: StreamSocket<C, N>,
  nsp: NoInfer<N>,
  chatId: number,
  opts: { unsubscribeOnClose?: boolean } = {},
) {
  const outboxKey = `outbox:${nsp}:${chatId}`;
  const [chat, setChat] = useState<C | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [outbox, setOutbox] = useState<Outgoing[]>(() => loadOutbox(outboxKey));
  const [typing, setTyping] = useState<TypingAuthor | null>(null);
  const [error, setError] = useState<AckError | null>(null);

  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const outboxRef = useRef(outbox);
  outboxRef.current = outbox;
  const inFlight = useRef(new Set<string>());
  const subscribing = useRef(false);
  const typingTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => saveOutbox(outboxKey, outbox), [outboxKey, outbox]);
  useEffect(() => void purgeOldFiles(), []);

  const confirm = useCallback((m: Message) => {
    setMessages((cur) => mergeMessages(cur, [m]));
    if (!m.clientId) return;
    // Off the queue at once, not at the next render: a message waiting behind this file reads the
    // queue as soon as the upload settles, and must not find the file still on its way.
    outboxRef.current = outboxRef.current.filter((o) => o.clientId !== m.clientId);
    setOutbox((cur) => (cur.some((o) => o.clientId === m.clientId) ? cur.filter((o) => o.clientId !== m.clientId) : cur));
  }, []);

  const base = nsp === '/portal' ? '/api/portal' : '/api/console';
  const patch = useCallback((clientId: string, change: Partial<Outgoing>) => {
    setOutbox((cur) => cur.map((x) => (x.clientId === clientId ? { ...x, ...change } : x)));
  }, []);

  /** Uploads under way, by client id: cancelling one (`discard`) stops its request. */
  const uploads = useRef(new Map<string, AbortController>());
  /** A file: uploaded over HTTP with the same client id on every try, so the server stores it once. */
  const deliverFile = useCallback(
    async (o: Outgoing) => {
      // Cancelled while it waited for its turn.
      if (!outboxRef.current.some((x) => x.clientId === o.clientId)) return;
      const blob = await keptFile(o.clientId);
      if (!blob) {
        patch(o.clientId, { state: 'failed', error: 'the file was not kept after the page was reloaded; choose it again' });
        return;
      }
      const upload = new AbortController();
      uploads.current.set(o.clientId, upload);
      try {
        const res = await uploadFile(base, chatId, o.clientId, blob, o.file!.name, (progress) => patch(o.clientId, { progress }), upload.signal);
        confirm(res.message);
        void dropFile(o.clientId);
      } catch (e) {
        const err = e as ApiError;
        if (err.code === 'cancelled') return;
        // Not reached, or a proxy in between failed: still queued, sent again on reconnect.
        if (err.status === 0 || err.status >= 500) patch(o.clientId, { progress: 0 });
        // Refused for what the file is: sending it again cannot help, so no Retry.
        else patch(o.clientId, { state: 'failed', error: err.message, final: FILE_REFUSALS.has(err.code) });
      } finally {
        if (uploads.current.get(o.clientId) === upload) uploads.current.delete(o.clientId);
      }
    },
    [base, chatId, confirm, patch],
  );

  const fileTurn = useRef<Promise<unknown>>(Promise.resolve());
  /** Whether a file given before this message is still on its way. */
  const fileAhead = (clientId: string) => {
    const queue = outboxRef.current;
    const at = queue.findIndex((x) => x.clientId === clientId);
    return queue.slice(0, at < 0 ? queue.length : at).some((x) => x.file && x.state === 'sending');
  };
  const deliver = useCallback(
    async (o: Outgoing) => {
      if (!socket.connected || inFlight.current.has(o.clientId)) return;
      inFlight.current.add(o.clientId);
      if (o.file) {
        // One file after another, in the order they were given: several chosen at once arrive in that order.
        const turn = fileTurn.current.then(() => deliverFile(o));
        fileTurn.current = turn.catch(() => {});
        await turn.catch(() => {});
        inFlight.current.delete(o.clientId);
        return;
      }
      try {
        // A message given after a file still on its way waits for that file, so the other side
        // reads them in the order given. A file that could not go (no connection) keeps the
        // message back with it: both go, in order, when the connection is back.
        if (fileAhead(o.clientId)) {
          await fileTurn.current;
          if (fileAhead(o.clientId) || !socket.connected) return;
        }
        const res = await emitAck(socket, CLIENT_EVENTS.send, { chatId, body: o.body, clientId: o.clientId });
        confirm(res.message);
      } catch (e) {
        const err = e as AckError;
        // A timeout leaves the message queued: it is resent, with the same id, on reconnect.
        if (err.code !== 'timeout') setOutbox((cur) => cur.map((x) => (x.clientId === o.clientId ? { ...x, state: 'failed', error: err.message } : x)));
      } finally {
        inFlight.current.delete(o.clientId);
      }
    },
    [socket, chatId, confirm, deliverFile],
  );

  // A (re)subscribe asked for while one is in flight runs again afterwards: the one in flight may
  // belong to a connection that has just dropped, and its answer will never come.
  const again = useRef(false);
  const subscribeRef = useRef<() => Promise<void>>(async () => {});
  const subscribe = useCallback(async () => {
    if (!socket.connected) return;
    if (subscribing.current) {
      again.current = true;
      return;
    }
    subscribing.current = true;
    let ok = false;
    try {
      // Pages of up to 1000: keep asking until the server has nothing newer.
      for (;;) {
        const after = contiguousSeq(messagesRef.current);
        const res = await emitAck(socket, CLIENT_EVENTS.subscribe, { chatId, afterSeq: after });
        setChat((cur) => newerChat(cur, res.chat));
        setError(null);
        const merged = mergeMessages(messagesRef.current, res.messages);
        messagesRef.current = merged;
        setMessages(merged);
        for (const m of res.messages) if (m.clientId) setOutbox((cur) => cur.filter((o) => o.clientId !== m.clientId));
        if (res.messages.length < 1000) break;
      }
      ok = true;
    } catch (e) {
      setError(e as AckError);
      if ((e as AckError).code === 'timeout') again.current = true;
    } finally {
      subscribing.current = false;
    }
    if (again.current) {
      again.current = false;
      return subscribeRef.current();
    }
    // What waited for the connection goes in the order it was given (deliver keeps a message
    // behind a file given before it).
    if (ok) for (const o of outboxRef.current) if (o.state === 'sending') void deliver(o);
  }, [socket, chatId, deliver]);
  subscribeRef.current = subscribe;

  /** Without a live connection (a page loaded during an outage), the chat is still read over HTTP. */
  const catchUpOverHttp = useCallback(async () => {
    try {
      const [c, list] = await Promise.all([
        api.get<C>(`${base}/chats/${chatId}`),
        api.get<Message[]>(`${base}/chats/${chatId}/messages?after=${contiguousSeq(messagesRef.current)}`),
      ]);
      setChat((cur) => cur ?? c);
      const merged = mergeMessages(messagesRef.current, list);
      messagesRef.current = merged;
      setMessages(merged);
    } catch (e) {
      setError((cur) => cur ?? new AckError((e as { code?: string }).code ?? 'network', (e as Error).message));
    }
  }, [base, chatId]);

  useEffect(() => {
    type On = StreamServerEvents<C>;
    const onMessage: On['message'] = (m) => {
      if (m.chatId !== chatId) return;
      const gap = m.seq > contiguousSeq(messagesRef.current) + 1;
      confirm(m);
      setTyping((t) => (t && m.author.kind === t.kind && m.author.id === t.id ? null : t));
      if (gap) void subscribe();
    };
    const onChat: On['chat'] = (c) => {
      if (c.id === chatId) setChat((cur) => newerChat(cur, c));
    };
    const onTyping: On['typing'] = (p) => {
      if (p.chatId !== chatId) return;
      clearTimeout(typingTimer.current);
      setTyping(p.typing ? p.author : null);
      // A lost "stopped typing" must not leave the indicator on forever.
      if (p.typing) typingTimer.current = setTimeout(() => setTyping(null), TYPING_SHOWN_MS);
    };
    const onConnect = () => void subscribe();
    socket.on(SERVER_EVENTS.message, onMessage);
    socket.on(SERVER_EVENTS.chat, onChat);
    socket.on(SERVER_EVENTS.typing, onTyping);
    socket.on(SERVER_EVENTS.resync, onConnect);
    socket.on('connect', onConnect);
    if (socket.connected) void subscribe();
    else void catchUpOverHttp();
    return () => {
      socket.off(SERVER_EVENTS.message, onMessage);
      socket.off(SERVER_EVENTS.chat, onChat);
      socket.off(SERVER_EVENTS.typing, onTyping);
      socket.off(SERVER_EVENTS.resync, onConnect);
      socket.off('connect', onConnect);
      clearTimeout(typingTimer.current);
      if (opts.unsubscribeOnClose !== false && socket.connected) socket.emit(CLIENT_EVENTS.unsubscribe, { chatId }, () => {});
    };
    // opts.unsubscribeOnClose is read at close time only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [socket, chatId, subscribe, confirm, catchUpOverHttp]);

  // Typing: one "typing" when it starts, one "stopped" after a pause or on send.
  const typingSent = useRef(false);
  const idleTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const emitTyping = useCallback(
    (on: boolean) => {
      typingSent.current = on;
      if (socket.connected) socket.emit(CLIENT_EVENTS.typing, { chatId, typing: on }, () => {});
    },
    [socket, chatId],
  );
  const notifyTyping = useCallback(() => {
    if (!typingSent.current) emitTyping(true);
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(() => emitTyping(false), TYPING_IDLE_MS);
  }, [emitTyping]);
  useEffect(() => () => clearTimeout(idleTimer.current), []);

  const send = useCallback(
    (body: string) => {
      const o: Outgoing = { clientId: newClientId(), body, state: 'sending', at: new Date().toISOString() };
      clearTimeout(idleTimer.current);
      if (typingSent.current) emitTyping(false);
      setOutbox((cur) => [...cur, o]);
      outboxRef.current = [...outboxRef.current, o];
      void deliver(o);
    },
    [deliver, emitTyping],
  );
  const retry = useCallback(
    (clientId: string) => {
      const o = outboxRef.current.find((x) => x.clientId === clientId);
      if (!o) return;
      const again = { ...o, state: 'sending' as const, error: undefined };
      setOutbox((cur) => cur.map((x) => (x.clientId === clientId ? again : x)));
      void deliver(again);
    },
    [deliver],
  );
  /** A message or file taken back before it was stored: a failed one, or a file still on its way (its upload stops). */
  const discard = useCallback((clientId: string) => {
    outboxRef.current = outboxRef.current.filter((x) => x.clientId !== clientId);
    setOutbox((cur) => cur.filter((x) => x.clientId !== clientId));
    uploads.current.get(clientId)?.abort();
    void dropFile(clientId);
  }, []);

  /**
   * Files to send: each is checked against the server's rules first (a refusal is returned in
   * words, nothing is queued), then queued like a message and sent now or on reconnect.
   */
  const sendFiles = useCallback(
    async (files: File[]): Promise<string[]> => {
      const rules = await fileRules(base).catch(() => null);
      const refusals: string[] = [];
      let typeRefused = false;
      for (const file of files) {
        // Named as the server will store and show it: a direction override in a file's name would
        // otherwise turn the rest of a refusal (or the file's line in the outbox) around.
        const name = file.name ? cleanFilename(file.name) : `pasted-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}.png`;
        const refused = rules && refuseFile(name, file.size, rules);
        if (refused) {
          refusals.push(refused.message);
          typeRefused ||= refused.code === 'file_type_refused';
          continue;
        }
        const o: Outgoing = {
          clientId: newClientId(),
          body: name,
          state: 'sending',
          at: new Date().toISOString(),
          file: { name, size: file.size, type: file.type },
          progress: 0,
        };
        await keepFile(o.clientId, file);
        setOutbox((cur) => [...cur, o]);
        outboxRef.current = [...outboxRef.current, o];
        void deliver(o);
      }
      if (typeRefused && rules) refusals.push(allowedTypes(rules));
      return refusals;
    },
    [base, deliver],
  );

  return { chat, setChat, messages, outbox, typing, error, send, sendFiles, retry, discard, notifyTyping, refresh: subscribe };
}
