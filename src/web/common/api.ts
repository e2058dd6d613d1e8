/** JSON client for the HTTP API: same-origin cookies, and every failure as an `ApiError` with the server's stable code. */
import { WIDGET_KEY } from './embed.js';
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let sessionEnded: (() => void) | null = null;
/** Called on any 401 outside the login form: the app shows its login page again. */
export function onSessionEnded(fn: (() => void) | null) {
  sessionEnded = fn;
}

let twoFactorRequired: (() => void) | null = null;
/** Called on a refusal because two-factor is required (an admin requires it of techs): the console re-reads "me". */
export function onTwoFactorRequired(fn: (() => void) | null) {
  twoFactorRequired = fn;
}

/**
 * `body`: sent as JSON, or as itself with its own type when it is a file. `signal` (a query's, when
 * it is given up) closes the request, so the server drops work still waiting for it (a search).
 */
export async function apiRequest<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  const file = body instanceof Blob ? body : null;
  const headers: Record<string, string> = { accept: 'application/json' };
  // In the website widget's frame the session cookie is set for that embedding (http/session.ts).
  if (WIDGET_KEY) headers['x-helpdesk-embed'] = '1';
  if (file) headers['content-type'] = file.type || 'application/octet-stream';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    res = await fetch(path, { method, credentials: 'same-origin', headers, body: file ?? (body === undefined ? undefined : JSON.stringify(body)), signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // A proxy error page or similar: reported below with the status alone.
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/auth/')) sessionEnded?.();
    const err = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
    if (res.status === 403 && err?.code === 'totp_required') twoFactorRequired?.();
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The server answered ${res.status}`, err?.details);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, opts: { signal?: AbortSignal } = {}) => apiRequest<T>('GET', path, undefined, opts.signal),
  // POST always sends a JSON body: Fastify refuses an empty body declared as JSON.
  post: <T>(path: string, body: unknown = {}) => apiRequest<T>('POST', path, body),
  put: <T>(path: string, body: unknown = {}) => apiRequest<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown = {}) => apiRequest<T>('PATCH', path, body),
  delete: <T>(path: string) => apiRequest<T>('DELETE', path),
};

/** A message fit for a person: the server's message, or a plain fallback for unexpected errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong';
}

export const isUnauthenticated = (err: unknown) => err instanceof ApiError && err.status === 401;
/** The helpdesk has no account yet: the console offers to create the first admin. */
export const isSetupRequired = (err: unknown) => err instanceof ApiError && err.code === 'setup_required';
