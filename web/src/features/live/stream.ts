/**
 * One connection to the gateway's event stream (GET /api/v1/events, server-sent events) that
 * stays up: read with fetch() so it carries the bearer token; when it drops (network, gateway
 * restart, `credential-expired` when the access token lapses) it reconnects with a growing
 * delay and `Last-Event-ID`, so the gateway replays what happened meanwhile from JetStream.
 */
import { SseParser, type ServerEvent } from "./sse";

export type LiveState = "connecting" | "live" | "reconnecting";

export interface StreamOptions {
  url?: string;
  accessToken: () => Promise<string | null>;
  onEvent: (event: ServerEvent) => void;
  onState: (state: LiveState) => void;
  /** After a reconnect that could not resume (no position yet): refresh everything. */
  onResync: () => void;
  /** The gateway refused the token (401): refresh it before the next try. */
  onUnauthorized?: () => Promise<unknown>;
  fetchFn?: typeof fetch;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
}

export class LiveStream {
  private controller: AbortController | null = null;
  private timer: unknown = null;
  private stopped = false;
  private failures = 0;
  private connectedOnce = false;
  /** The last `id:` seen: every stream's position, sent back as Last-Event-ID. */
  lastEventId = "";

  constructor(private readonly options: StreamOptions) {}

  start(): void {
    this.stopped = false;
    this.options.onState("connecting");
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.timer !== null) (this.options.clearTimer ?? clearTimeout)(this.timer as number);
    this.timer = null;
  }

  private async connect(): Promise<void> {
    const { url = "/api/v1/events", accessToken, onEvent, onState, onResync, fetchFn = fetch } = this.options;
    this.controller = new AbortController();
    try {
      const token = await accessToken();
      if (this.stopped) return;
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
      const response = await fetchFn(url, { headers, signal: this.controller.signal, cache: "no-store" });
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok || !response.body || !type.includes("text/event-stream")) {
        void response.body?.cancel();
        if (response.status === 401) await this.options.onUnauthorized?.().catch(() => undefined);
        this.retry();
        return;
      }
      const resumed = Boolean(this.lastEventId);
      if (this.connectedOnce && !resumed) onResync();
      this.connectedOnce = true;
      this.failures = 0;
      onState("live");
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          if (event.id) this.lastEventId = event.id;
          if (event.event === "credential-expired") {
            // the token lapsed: the next connect refreshes it first
            void reader.cancel();
            this.failures = 0;
            break;
          }
          onEvent(event);
        }
      }
      this.retry();
    } catch {
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.failures += 1;
    this.options.onState("reconnecting");
    const set = this.options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      if (!this.stopped) void this.connect();
    }, retryDelay(this.failures));
  }
}
