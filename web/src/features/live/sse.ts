/** A server-sent-events parser for a fetch() body (EventSource cannot send a bearer token). */

export interface ServerEvent {
  event: string;
  data: string;
  id: string;
}

/** Feeds chunks in, gets complete events out; a partial event waits for the next chunk. */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id = "";

  push(chunk: string): ServerEvent[] {
    this.buffer += chunk;
    const out: ServerEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone "\r" at the end of a chunk may be the first half of "\r\n": wait for the next one.
      if (newline === this.buffer.length - 1 && this.buffer.endsWith("\r")) break;
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      if (line === "") {
        if (this.data.length) out.push({ event: this.event || "message", data: this.data.join("\n"), id: this.id });
        this.event = "";
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.event = value;
      else if (field === "data") this.data.push(value);
      else if (field === "id") this.id = value;
    }
    return out;
  }
}

/** The gateway's event: `{id, type, occurred_at, customer_id, data}` (GET /api/v1/events). */
export interface PlatformEvent {
  type: string;
  customerId: string | null;
}

export function platformEvent(event: ServerEvent): PlatformEvent {
  let type = event.event;
  let customerId: string | null = null;
  try {
    const parsed = JSON.parse(event.data) as { type?: unknown; customer_id?: unknown };
    if (typeof parsed.type === "string") type = parsed.type;
    if (typeof parsed.customer_id === "string" && parsed.customer_id) customerId = parsed.customer_id;
  } catch {
    // plain-text data: go by the event name
  }
  return { type, customerId };
}

type Key = readonly string[];

/**
 * The cached queries an event makes stale (query-key prefixes), from its type
 * (`<service>.<entity>.<verb>`) and the customer it is about. Lists and summary cards are
 * tenant-wide; a profile's sections are refreshed only for the customer concerned.
 */
export function invalidations({ type, customerId: id }: PlatformEvent): Key[] {
  const service = type.split(".")[0];
  const lists: Key[] = [["customers", "list"], ["customers", "stats"]];
  const profile = (...keys: Key[]): Key[] => (id ? [["customers", "detail", id], ["timeline", id], ...keys] : []);
  switch (service) {
    case "customer":
      if (type.startsWith("customer.import.")) return [...lists, ["imports"]];
      if (type.startsWith("customer.export.")) return [["exports"]];
      return [...lists, ...profile(type === "customer.note.added" ? ["notes", id ?? ""] : ["customers", "names"])];
    case "conversation":
      return [["customers", "list"], ...profile(["conversations"])];
    case "sentiment":
      return [...lists, ...profile(["sentiment"], ["conversations"])];
    case "billing":
      return [...lists, ...(id ? profile(["billing", id], ["loyalty", id]) : [["billing"]])];
    case "loyalty":
      return id ? [["loyalty", id], ["timeline", id]] : [["loyalty"]];
    case "automation":
      return [["automations"], ["tasks"], ...(id ? [["timeline", id] as Key] : [])];
    default:
      return [...lists, ["customers", "detail"], ["conversations"], ["sentiment"], ["timeline"]];
  }
}

/**
 * What to refresh once more a little later: the customer service derives the list, summary and
 * profile figures (LTV, last contact, sentiment label, timeline) from the other services' events
 * on its own consumer, so the first refetch may race it and it publishes no event of its own
 * when it catches up.
 */
export function derivedLater({ type, customerId: id }: PlatformEvent): Key[] {
  const service = type.split(".")[0];
  if (service !== "billing" && service !== "conversation" && service !== "sentiment") return [];
  return [["customers", "list"], ["customers", "stats"], ...(id ? [["customers", "detail", id], ["timeline", id]] : [])];
}
