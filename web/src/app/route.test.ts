import { parseRoute, routeUrl } from "./route";

describe("route", () => {
  it("reads the view and the open customer", () => {
    expect(parseRoute("?customer=c1")).toEqual({ view: "customers", customer: "c1" });
    expect(parseRoute("?view=automations")).toEqual({ view: "automations", customer: null });
    expect(parseRoute("?view=duplicates")).toEqual({ view: "duplicates", customer: null });
    expect(parseRoute("?view=nonsense")).toEqual({ view: "customers", customer: null });
  });
  it("keeps the open customer when the view changes", () => {
    const bookings = routeUrl("https://x.example/?customer=c1", { view: "bookings" });
    expect(parseRoute(new URL(bookings).search)).toEqual({ view: "bookings", customer: "c1" });
    const back = routeUrl(bookings, { view: "customers", customer: "c2" });
    expect(new URL(back).search).toBe("?customer=c2");
  });
});
