import { SseParser, staleKeys } from "./sse";

describe("SseParser", () => {
  it("assembles events split across chunks and skips comments", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\n\nevent: sentiment.customer.chan")).toEqual([]);
    expect(parser.push('ged\ndata: {"customer_id":"c1"}\r\nid: 7\r\n\r\ndata: a\ndata: b\n\n')).toEqual([
      { event: "sentiment.customer.changed", data: '{"customer_id":"c1"}', id: "7" },
      { event: "message", data: "a\nb", id: "7" },
    ]);
  });
});

describe("staleKeys", () => {
  it("refreshes what the event's service owns", () => {
    expect(staleKeys({ event: "sentiment.customer.changed", data: "{}", id: "" })).toEqual([["sentiment"], ["customers"]]);
    expect(staleKeys({ event: "message", data: '{"subject":"customer.customer.updated"}', id: "" })).toEqual([["customers"], ["timeline"]]);
    expect(staleKeys({ event: "message", data: "hello", id: "" })).toHaveLength(4);
  });
});
