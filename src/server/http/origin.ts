/**
 * A browser request is allowed when it carries no Origin (same-origin GETs, non-browser clients,
 * which SameSite cookies already cover) or when the Origin names the host it was sent to.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[]): boolean {
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
