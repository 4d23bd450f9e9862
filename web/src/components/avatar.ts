/** Colour-coded initials avatars: the same customer always gets the same colour. */

// Shade 9 of each keeps white initials at 5:1 or more (WCAG AA); lighter shades do not.
export const AVATAR_COLORS = ["blue.9", "grape.9", "teal.9", "indigo.9", "red.9", "violet.9", "cyan.9", "pink.9"];

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
