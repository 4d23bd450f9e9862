/**
 * New-activity badges: a customer has new activity when something happened after this browser
 * last opened their profile (or, never opened, after the workspace was first used here).
 */
const KEY = "moodline.seen";

interface Seen {
  since: string;
  customers: Record<string, string>;
}

export function loadSeen(storage: Storage, now: Date = new Date()): Seen {
  try {
    const parsed = JSON.parse(storage.getItem(KEY) ?? "") as Seen;
    if (typeof parsed.since === "string" && typeof parsed.customers === "object") return parsed;
  } catch {
    // first use, or unreadable: start afresh below
  }
  const fresh: Seen = { since: now.toISOString(), customers: {} };
  storage.setItem(KEY, JSON.stringify(fresh));
  return fresh;
}

export function markSeen(storage: Storage, id: string, now: Date = new Date()): Seen {
  const seen = loadSeen(storage, now);
  const customers = { ...seen.customers, [id]: now.toISOString() };
  // Keep the map small: the 500 most recently opened.
  const kept = Object.entries(customers)
    .sort((a, b) => b[1].localeCompare(a[1]))
    .slice(0, 500);
  const next = { since: seen.since, customers: Object.fromEntries(kept) };
  storage.setItem(KEY, JSON.stringify(next));
  return next;
}

export function hasNewActivity(seen: Seen, id: string, lastActivityAt: string | null | undefined): boolean {
  if (!lastActivityAt) return false;
  const since = seen.customers[id] ?? seen.since;
  return new Date(lastActivityAt).getTime() > new Date(since).getTime();
}
