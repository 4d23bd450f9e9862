import { SseParser, derivedLater, invalidations, platformEvent } from "./sse";

describe("SseParser", () => {
  it("assembles events split across chunks and skips comments", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\n\nevent: sentiment.customer.chan")).toEqual([]);
    expect(parser.push('ged\ndata: {"customer_id":"c1"}\r\nid: 7\r\n\r\ndata: a\ndata: b\n\n')).toEqual([
      { event: "sentiment.customer.changed", data: '{"customer_id":"c1"}', id: "7" },
      { event: "message", data: "a\nb", id: "7" },
    ]);
  });

  it("waits when a chunk ends between the \\r and \\n of one line end", () => {
    const parser = new SseParser();
    expect(parser.push("data: x\r")).toEqual([]);
    expect(parser.push("\n\r\n")).toEqual([{ event: "message", data: "x", id: "" }]);
  });
});

describe("invalidations", () => {
  const event = (type: string, customer_id: string | null) =>
    platformEvent({ event: type, data: JSON.stringify({ id: "e", type, customer_id, data: {} }), id: "S:1" });

  it("reads the type and customer of the gateway's event", () => {
    expect(event("billing.payment.succeeded", "c1")).toEqual({ type: "billing.payment.succeeded", customerId: "c1" });
    expect(platformEvent({ event: "x.y.z", data: "not json", id: "" })).toEqual({ type: "x.y.z", customerId: null });
  });

  it("refreshes the customer's profile sections and the tenant-wide lists", () => {
    expect(invalidations(event("sentiment.customer.changed", "c1"))).toEqual([
      ["customers", "list"],
      ["customers", "stats"],
      ["customers", "detail", "c1"],
      ["timeline", "c1"],
      ["sentiment"],
      ["conversations"],
    ]);
    expect(invalidations(event("billing.payment.succeeded", "c1"))).toContainEqual(["billing", "c1"]);
    expect(invalidations(event("billing.payment.succeeded", "c1"))).toContainEqual(["customers", "stats"]);
    expect(invalidations(event("loyalty.balance.adjusted", "c2"))).toEqual([["loyalty", "c2"], ["timeline", "c2"]]);
    expect(invalidations(event("customer.note.added", "c3"))).toContainEqual(["notes", "c3"]);
    expect(invalidations(event("customer.import.progressed", null))).toContainEqual(["imports"]);
  });

  it("does not refresh other customers' profiles", () => {
    const keys = invalidations(event("conversation.message.received", "c1")).map((k) => k.join("/"));
    expect(keys).toContain("customers/detail/c1");
    expect(keys).not.toContain("customers/detail");
  });

  it("refreshes widely what it cannot place", () => {
    expect(invalidations(event("automation.run.completed", null))).toEqual([["automations"], ["tasks"]]);
    expect(invalidations(event("something.new.happened", null))).toHaveLength(6);
  });
});

describe("derivedLater", () => {
  const event = (type: string, customer_id: string | null) =>
    platformEvent({ event: type, data: JSON.stringify({ type, customer_id }), id: "" });

  it("refreshes again what the customer service derives from other services' events", () => {
    expect(derivedLater(event("billing.customer_value.changed", "c1"))).toEqual([
      ["customers", "list"],
      ["customers", "stats"],
      ["customers", "detail", "c1"],
      ["timeline", "c1"],
    ]);
    expect(derivedLater(event("sentiment.customer.changed", null))).toHaveLength(2);
  });

  it("needs no second look at the customer service's own events", () => {
    expect(derivedLater(event("customer.customer.updated", "c1"))).toEqual([]);
    expect(derivedLater(event("loyalty.balance.adjusted", "c1"))).toEqual([]);
  });
});
