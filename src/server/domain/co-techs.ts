/** The techs invited into a chat besides its lead (chats.co_techs, JSON of `{ id, name }`). */
export function coTechs(chat: { co_techs?: string | null }): { id: number; name: string }[] {
  if (!chat.co_techs) return [];
  return (JSON.parse(chat.co_techs) as { id: number; name: string }[]).map((t) => ({ id: Number(t.id), name: String(t.name) }));
}
