/**
 * How often a portal user may start a chat. Each request alerts every eligible tech and, if the
 * user leaves, adds an entry to everyone's Abandoned list, so request -> leave -> request must not
 * cycle without limit. A genuine user is never held back: the first REQUESTS_FREE requests of any
 * hour always go through; past them each further request waits for a gap after the previous one
 * that doubles from GAP_BASE_MS, and never exceeds GAP_MAX_MS, so a pause of five minutes always
 * lets a request through. At most about 17 requests an hour, against hundreds a minute before.
 *
 * Pure: the times of the user's earlier requests (the `requested_at` of their chats, counted in
 * the database so it holds on every node) in, the wait out.
 */
export const REQUESTS_WINDOW_MS = 60 * 60 * 1000;
export const REQUESTS_FREE = 5;
export const GAP_BASE_MS = 30 * 1000;
export const GAP_MAX_MS = 5 * 60 * 1000;

/** How long the user must still wait before one more request, or 0 when it may go now. */
export function requestWait(earlier: number[], now: number): number {
  const recent = earlier.filter((t) => t > now - REQUESTS_WINDOW_MS && t <= now);
  if (recent.length < REQUESTS_FREE) return 0;
  const gap = Math.min(GAP_MAX_MS, GAP_BASE_MS * 2 ** (recent.length - REQUESTS_FREE));
  const last = Math.max(...recent);
  return Math.max(0, last + gap - now);
}
