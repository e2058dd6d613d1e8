/** Builds the stale parts (`web`, `server`, or both); throws when a build fails. */
export function buildIfStale(parts?: ('web' | 'server')[], log?: (line: string) => void): void;
