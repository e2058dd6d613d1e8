/**
 * Live events can arrive out of order (they travel between nodes on different connections), so
 * every chat view carries the chat's `version`, raised by each change it shows. A client keeps the
 * highest version it has seen per chat and ignores anything older: a taken chat never goes back to
 * Waiting, and an alert for a chat already withdrawn never shows.
 */
export type VersionTracker = {
  /** Records the version; false when a newer one was seen for this chat (the event is stale). */
  accept(chatId: number, version: number): boolean;
  /** Whether this exact version was seen before (the same event again). */
  has(chatId: number, version: number): boolean;
};

export function versionTracker(limit = 10_000): VersionTracker {
  const seen = new Map<number, number>();
  return {
    accept(chatId, version) {
      const held = seen.get(chatId);
      if (held !== undefined && version < held) return false;
      seen.delete(chatId);
      seen.set(chatId, version);
      if (seen.size > limit) seen.delete(seen.keys().next().value!);
      return true;
    },
    has: (chatId, version) => seen.get(chatId) === version,
  };
}

/** The newer of the chat held and one just received (the received one when they are equal). */
export function newerChat<C extends { id: number; version: number }>(held: C | null, received: C): C {
  return held && held.id === received.id && held.version > received.version ? held : received;
}
