/** Errors with a stable code. Mapped to HTTP status and socket acks in one place: `toErrorBody`. */
export class AppError extends Error {
  constructor(
    readonly code: string,
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

export class Forbidden extends AppError {
  constructor(code = 'forbidden', message = 'Not allowed') {
    super(code, message, 403);
  }
}

export class RateLimited extends AppError {
  constructor(retryAfterMs: number) {
    super('rate_limited', 'Too many attempts, try again later', 429, { retryAfterMs });
  }
}

export class Conflict extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
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

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const error: ErrorBody['error'] = { code: err.code, message: err.message };
    if (err.details) error.details = err.details;
    return { status: err.status, body: { error } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal error' } } };
}
