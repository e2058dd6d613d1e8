/** The web pieces shared by the Client Portal and the Tech Console. */
export { api, apiRequest, ApiError, errorMessage, isUnauthenticated, onSessionEnded } from './api.js';
export { getSocket, closeSocket, emitAck, AckError, useConnectionState, useSocketEvent, newClientId, type Namespace, type ConnectionState } from './socket.js';
export { useChatStream, type TypingAuthor } from './use-chat-stream.js';
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
