/**
 * The web pieces shared by the Client Portal and the Tech Console.
 *
 * - `api.get/post/...` throw `ApiError { status, code, message }`; `onSessionEnded(fn)` is called
 *   on any 401 outside /api/auth, so an app can show its login page again.
 * - `getSocket('/portal' | '/console')` is the page's one connection (replaced after a refused
 *   handshake), a `PortalSocket` or `ConsoleSocket` typed by the namespace's event maps
 *   (src/shared/realtime.ts); `emitAck(socket, event, payload)` checks the payload against the
 *   event, resolves with its typed answer and turns `{ error }` acks and timeouts into `AckError`.
 * - `useChatStream(socket, nsp, chatId)` gives `chat`, `messages` (by seq, no gaps or doubles),
 *   `outbox` (unconfirmed sends, kept across reloads), `typing`, `send`, `retry`, `discard`,
 *   `notifyTyping`. It re-subscribes on every reconnect or `resync`, reads over HTTP while the
 *   socket is down, and unsubscribes on unmount unless `{ unsubscribeOnClose: false }`.
 * - `MessageList` / `Composer` render a chat (text only, never HTML); `ConnectionBanner` shows a
 *   dropped and restored connection; `LoginForm` logs in either audience; `styles.css` is shared.
 */
export { api, apiRequest, ApiError, errorMessage, isUnauthenticated, onSessionEnded } from './api.js';
export {
  getSocket,
  closeSocket,
  emitAck,
  AckError,
  useConnectionState,
  useSocketEvent,
  newClientId,
  type Namespace,
  type ConnectionState,
  type PortalSocket,
  type ConsoleSocket,
  type AnySocket,
} from './socket.js';
export { useChatStream, type StreamSocket, type TypingAuthor } from './use-chat-stream.js';
export { mergeMessages, contiguousSeq, type Outgoing } from './message-merge.js';
export { navigate, usePath, match, Link, useDocumentTitle } from './router.js';
export { formatDateTime, formatTime, formatDuration, useNow, viewerTimeZone } from './format.js';
export { makeQueryClient } from './query.js';
export { ErrorBanner } from './error-banner.js';
export { ConnectionBanner } from './connection-banner.js';
export { MessageList } from './message-list.js';
export { Composer } from './composer.js';
export { LoginForm } from './login-form.js';
export type * from './types.js';
