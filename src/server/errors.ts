/** Errors with a stable code. Mapped to HTTP status and socket acks in one place: `toErrorBody`. */
import type { ErrorCode, ErrorInfo } from '../shared/errors.js';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export class NotFound extends AppError {
  constructor(what = 'Resource') {
    super('not_found', `${what} not found`, 404);
  }
}

export class ValidationFailed extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('validation_failed', message, 400, details);
  }
}

export class Unauthenticated extends AppError {
  constructor() {
    super('unauthenticated', 'Log in first', 401);
  }
}

export class InvalidCredentials extends AppError {
  constructor() {
    super('invalid_credentials', 'Wrong email or password', 401);
  }
}

/** Seen, but not to be done by this actor (policies/rules.ts says which code). */
export class Forbidden extends AppError {
  constructor(code: ErrorCode = 'forbidden', message = 'Not allowed') {
    super(code, message, 403);
  }
}

/** An API token that is unknown, revoked or expired, or whose admin is deactivated or no longer an admin. */
export class TokenInvalid extends AppError {
  constructor() {
    super('token_invalid', 'This API token is not valid: it is unknown, revoked or expired, or its admin can no longer sign in as an admin', 401);
  }
}

/** A valid API token used where its scopes, or tokens at all, are not allowed. */
export class TokenScope extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('token_scope', message, 403, details);
  }
}

/** The asker closed the request before its answer was ready (never seen by anyone: its socket is gone). */
export class RequestGone extends AppError {
  constructor() {
    super('request_gone', 'The request was closed before its answer was ready', 499);
  }
}

export class RateLimited extends AppError {
  constructor(retryAfterMs: number, message = 'Too many attempts, try again later') {
    super('rate_limited', message, 429, { retryAfterMs });
  }
}

/** A portal user started chats too often (domain/request-pacing.ts); the wait is in `retryAfterMs`. */
export class TooManyRequests extends AppError {
  constructor(retryAfterMs: number) {
    const minutes = Math.ceil(retryAfterMs / 60000);
    const wait = retryAfterMs < 60000 ? `${Math.ceil(retryAfterMs / 1000)} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
    super('too_many_requests', `You have started several chats in a short time. Please wait ${wait} before starting another.`, 429, { retryAfterMs });
  }
}

/** The resource's state (or another's write meanwhile) does not allow it. */
export class Conflict extends AppError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

/** Allowed, but only once the client confirms (the UI asks the user). */
export class NeedsConfirmation extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, 422);
  }
}

/** A lifecycle event refused in the chat's current state. */
export class InvalidTransition extends AppError {
  constructor(event: string, state: string, details?: Record<string, unknown>) {
    super('invalid_transition', `Cannot ${event.replace(/_/g, ' ')} a chat that is ${state}`, 409, {
      state,
      event,
      ...details,
    });
  }
}

/** No account exists yet: everything but creating the first admin waits (services/setup.ts). */
/** Email is not configured (SMTP_URL unset): what needs it is hidden, and refused if asked for anyway. */
export class EmailDisabled extends AppError {
  constructor() {
    super('email_disabled', 'Email is not set up on this helpdesk', 404);
  }
}

/** A password reset link that is unknown, already used or replaced by a newer one (`reset_token_expired`: too old). */
export class ResetTokenInvalid extends AppError {
  constructor(expired = false) {
    super(
      expired ? 'reset_token_expired' : 'reset_token_invalid',
      expired
        ? 'This password reset link has expired: ask for a new one'
        : 'This password reset link is not valid (it may have been used already): ask for a new one',
      400,
    );
  }
}

export class SetupRequired extends AppError {
  constructor() {
    super(
      'setup_required',
      'This helpdesk is not set up yet: create the first admin in the Tech Console (/console) with the setup token from the server log, or with the create-admin command.',
      409,
    );
  }
}

export class SetupTokenInvalid extends AppError {
  constructor() {
    super('setup_token_invalid', 'That setup token is not valid. Copy the setup token the server printed in its log when it started.', 403);
  }
}

export class SetupDone extends AppError {
  constructor() {
    super('setup_done', 'This helpdesk is already set up: log in with your account.', 409);
  }
}

/** A single sign-on that ends without a session (services/oidc.ts); the login page shows the code's words. */
export class SignInRefused extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, 403);
  }
}

export type ErrorBody = { error: ErrorInfo };

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details) error.details = err.details;
    return { status: err.status, body: { error } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal error' } } };
}
