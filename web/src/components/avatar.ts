/** Colour-coded initials avatars: the same customer always gets the same colour. */

// Mantine colours whose filled shade keeps white text above 4.5:1 (WCAG AA).
export const AVATAR_COLORS = ["blue", "grape", "teal", "indigo", "red", "violet", "cyan", "pink"];

export function initials(first: string, last: string, fallback = "?"): string {
  const letters = [first, last]
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => Array.from(part)[0]!.toUpperCase());
  if (letters.length === 0) return fallback;
  return letters.slice(0, 2).join("");
}

/** The server's avatar colour when it names one of ours, else a stable hash of the id. */
export function avatarColor(id: string, preferred = ""): string {
  if (AVATAR_COLORS.includes(preferred)) return preferred;
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return AVATAR_COLORS[hash % AVATAR_COLORS.length]!;
}
