import { LiveStream, MAX_RETRY_MS, retryDelay, type LiveState } from "./stream";
import type { ServerEvent } from "./sse";

function sseResponse(chunks: string[], { keepOpen = false } = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      if (!keepOpen) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

function harness(responses: (() => Response)[]) {
  const calls: { headers: Record<string, string> }[] = [];
  const events: ServerEvent[] = [];
  const states: LiveState[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  let resyncs = 0;
  let refreshed = 0;
  const fetchFn = vi.fn((_url: string, init: RequestInit) => {
    calls.push({ headers: init.headers as Record<string, string> });
    const next = responses.shift();
    return Promise.resolve(next ? next() : sseResponse([], { keepOpen: true }));
  });
  const stream = new LiveStream({
    accessToken: () => Promise.resolve(`token-${calls.length}`),
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onResync: () => (resyncs += 1),
    onUnauthorized: () => Promise.resolve((refreshed += 1)),
    fetchFn: fetchFn as unknown as typeof fetch,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => undefined,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { stream, calls, events, states, timers, settle, resyncs: () => resyncs, refreshed: () => refreshed };
}

describe("LiveStream", () => {
  it("sends the bearer token and hands each event on", async () => {
    const h = harness([() => sseResponse(["retry: 3000\n: connected\n\n", 'id: CUSTOMER:4\nevent: customer.customer.updated\ndata: {"customer_id":"c1"}\n\n'], { keepOpen: true })]);
    h.stream.start();
    await h.settle();
    expect(h.calls[0]!.headers.Authorization).toBe("Bearer token-0");
    expect(h.calls[0]!.headers["Last-Event-ID"]).toBeUndefined();
    expect(h.events.map((e) => e.event)).toEqual(["customer.customer.updated"]);
    expect(h.states).toEqual(["connecting", "live"]);
    h.stream.stop();
  });

  it("resumes after a drop with Last-Event-ID, waiting longer after each failure", async () => {
    const h = harness([
      () => sseResponse(['id: CUSTOMER:4,SENTIMENT:9\nevent: sentiment.customer.changed\ndata: {}\n\n']),
      () => new Response("no", { status: 503 }),
    ]);
    h.stream.start();
    await h.settle();
    expect(h.states.at(-1)).toBe("reconnecting");
    expect(h.timers.map((t) => t.ms)).toEqual([1000]);
    h.timers[0]!.fn();
    await h.settle();
    expect(h.calls[1]!.headers["Last-Event-ID"]).toBe("CUSTOMER:4,SENTIMENT:9");
    expect(h.timers.map((t) => t.ms)).toEqual([1000, 2000]);
    h.timers[1]!.fn();
    await h.settle();
    expect(h.calls[2]!.headers["Last-Event-ID"]).toBe("CUSTOMER:4,SENTIMENT:9");
    expect(h.states.at(-1)).toBe("live");
    expect(h.resyncs()).toBe(0); // resumed: the gateway replays what was missed
    h.stream.stop();
  });

  it("refreshes everything when it reconnects with no position to resume from", async () => {
    const h = harness([() => sseResponse([": connected\n\n"])]);
    h.stream.start();
    await h.settle();
    h.timers[0]!.fn();
    await h.settle();
    expect(h.resyncs()).toBe(1);
    h.stream.stop();
  });

  it("refreshes the token after a 401 and when the stream says the credential expired", async () => {
    const h = harness([
      () => new Response("{}", { status: 401, headers: { "content-type": "application/problem+json" } }),
      () => sseResponse(["event: credential-expired\ndata: {}\n\n"], { keepOpen: true }),
    ]);
    h.stream.start();
    await h.settle();
    expect(h.refreshed()).toBe(1);
    h.timers[0]!.fn();
    await h.settle();
    expect(h.events).toEqual([]);
    expect(h.timers).toHaveLength(2);
    expect(h.timers[1]!.ms).toBe(1000); // not a failure: reconnect at once with a fresh token
    h.stream.stop();
  });

  it("caps the delay", () => {
    expect(retryDelay(1)).toBe(1000);
    expect(retryDelay(20)).toBe(MAX_RETRY_MS);
  });

  it("stays stopped", async () => {
    const h = harness([() => sseResponse([])]);
    h.stream.start();
    h.stream.stop();
    await h.settle();
    expect(h.timers).toEqual([]);
  });
});
