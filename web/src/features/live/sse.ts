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

/** Which cached queries an event makes stale, from its subject (`<service>.<entity>.<verb>`). */
export function staleKeys(event: ServerEvent): string[][] {
  let subject = event.event;
  try {
    const parsed = JSON.parse(event.data) as { subject?: unknown; type?: unknown };
    if (typeof parsed.subject === "string") subject = parsed.subject;
    else if (typeof parsed.type === "string") subject = parsed.type;
  } catch {
    // plain-text data: go by the event name
  }
  const service = subject.split(".")[0];
  if (service === "customer") return [["customers"], ["timeline"]];
  if (service === "conversation") return [["conversations"], ["customers"], ["timeline"]];
  if (service === "sentiment") return [["sentiment"], ["customers"]];
  return [["customers"], ["conversations"], ["sentiment"], ["timeline"]];
}
