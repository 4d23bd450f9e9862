import type { Booking, Payment } from "./api/billing";
import { bookingBalance, byDay, defaultStart, fromLocalInput, refundProblem, refundable, toLocalInput, week } from "./bookings";

const booking = (over: Partial<Booking>): Booking => ({
  id: "b1",
  status: "confirmed",
  customer_id: "c1",
  service_id: "s1",
  service_name: "Haircut",
  staff_id: null,
  starts_at: "2026-12-08T10:00:00Z",
  ends_at: null,
  amount_minor: 4500,
  currency: "USD",
  party: [],
  notes: "",
  location: "",
  cancellation_reason: "",
  cancelled_at: null,
  created_at: null,
  updated_at: null,
  ...over,
});

const payment = (over: Partial<Payment>): Payment => ({
  id: "p1",
  status: "succeeded",
  customer_id: "c1",
  booking_id: "b1",
  invoice_id: null,
  order_id: null,
  subscription_id: null,
  amount_minor: 4500,
  refunded_minor: 0,
  currency: "USD",
  method: "card",
  provider: "",
  provider_payment_id: "",
  failure_code: "",
  failure_message: "",
  created_at: null,
  updated_at: null,
  ...over,
});

describe("booking dates", () => {
  it("round-trips a local date-time input", () => {
    const local = new Date(2026, 11, 8, 14, 30);
    expect(toLocalInput(local)).toBe("2026-12-08T14:30");
    expect(fromLocalInput("2026-12-08T14:30")).toBe(local.toISOString());
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("tomorrow")).toBeNull();
  });

  it("offers tomorrow at ten", () => {
    expect(defaultStart(new Date(2026, 11, 31, 18, 5))).toBe("2027-01-01T10:00");
  });

  it("weeks start on Monday and hold seven days", () => {
    const w = week(new Date(2026, 11, 10, 15)); // a Thursday
    expect(w.from).toEqual(new Date(2026, 11, 7));
    expect(w.to).toEqual(new Date(2026, 11, 14));
    expect(w.days).toHaveLength(7);
    expect(week(new Date(2026, 11, 13), 1).from).toEqual(new Date(2026, 11, 14)); // Sunday -> next Monday
  });

  it("places bookings on their local day in start order", () => {
    const { days } = week(new Date(2026, 11, 8));
    const late = booking({ id: "late", starts_at: new Date(2026, 11, 9, 16).toISOString() });
    const early = booking({ id: "early", starts_at: new Date(2026, 11, 9, 9).toISOString() });
    const outside = booking({ id: "out", starts_at: new Date(2026, 11, 20, 9).toISOString() });
    const grouped = byDay([late, outside, early], days);
    expect(grouped[2]!.map((b) => b.id)).toEqual(["early", "late"]);
    expect(grouped.flat()).toHaveLength(2);
  });
});

describe("bookingBalance", () => {
  it("counts successful payments net of refunds, and asks no refund back", () => {
    const b = booking({});
    expect(bookingBalance(b, [])).toEqual({ paid: 0, refunded: 0, due: 4500 });
    expect(bookingBalance(b, [payment({ amount_minor: 2000 })])).toEqual({ paid: 2000, refunded: 0, due: 2500 });
    expect(bookingBalance(b, [payment({ status: "failed" })])).toEqual({ paid: 0, refunded: 0, due: 4500 });
    // a refund is money given back, not a part of the price to pay again
    expect(bookingBalance(b, [payment({ status: "partially_refunded", refunded_minor: 500 })])).toEqual({ paid: 4000, refunded: 500, due: 0 });
    expect(bookingBalance(b, [payment({ amount_minor: 2000, status: "refunded", refunded_minor: 2000 })])).toEqual({ paid: 0, refunded: 2000, due: 2500 });
    expect(bookingBalance(b, [payment({ booking_id: "other" })]).due).toBe(4500);
  });

  it("asks nothing of requested or cancelled bookings", () => {
    expect(bookingBalance(booking({ status: "requested" }), []).due).toBe(0);
    expect(bookingBalance(booking({ status: "cancelled" }), []).due).toBe(0);
  });
});

describe("refunds", () => {
  it("refund what was collected and not refunded yet", () => {
    expect(refundable(payment({}))).toBe(4500);
    expect(refundable(payment({ status: "partially_refunded", refunded_minor: 1500 }))).toBe(3000);
    expect(refundable(payment({ status: "refunded", refunded_minor: 4500 }))).toBe(0);
    expect(refundable(payment({ status: "failed" }))).toBe(0);
  });

  it("refuse nothing, a negative amount and more than is left", () => {
    expect(refundProblem(1500, 3000)).toBeNull();
    expect(refundProblem(3000, 3000)).toBeNull();
    expect(refundProblem(null, 3000)).toMatch(/above zero/);
    expect(refundProblem(0, 3000)).toMatch(/above zero/);
    expect(refundProblem(-100, 3000)).toMatch(/above zero/);
    expect(refundProblem(3001, 3000)).toMatch(/More than is left/);
  });
});
