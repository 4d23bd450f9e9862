import { DEFAULT_FILTERS, advancedFilterCount, describeFilters, listQuery, searchTooShort } from "./filters";

describe("listQuery", () => {
  it("sends only what is set, the search trimmed", () => {
    expect(listQuery({ ...DEFAULT_FILTERS, q: "  555-26 " })).toEqual({ segment: "all", sort: "recent", q: "555-26" });
  });
  it("leaves out a search the server would refuse", () => {
    expect(listQuery({ ...DEFAULT_FILTERS, q: "ab" })).not.toHaveProperty("q");
    expect(searchTooShort("ab")).toBe(true);
    expect(searchTooShort("")).toBe(false);
    expect(searchTooShort("abc")).toBe(false);
  });
  it("turns the advanced filters into parameters, money in minor units", () => {
    expect(
      listQuery({
        ...DEFAULT_FILTERS,
        segment: "at_risk",
        sort: "ltv",
        channel: "whatsapp",
        tag: " vip ",
        minLtv: 500.5,
        minConversations: 0,
        lastContactWithinDays: 7,
      }),
    ).toEqual({
      segment: "at_risk",
      sort: "ltv",
      channel: "whatsapp",
      tag: "vip",
      min_ltv: 50050,
      min_conversations: 0,
      last_contact_within_days: 7,
    });
    expect(listQuery({ ...DEFAULT_FILTERS, minLtv: 12 }, 0).min_ltv).toBe(12);
  });
  it("counts the advanced filters in use", () => {
    expect(advancedFilterCount(DEFAULT_FILTERS)).toBe(0);
    expect(advancedFilterCount({ ...DEFAULT_FILTERS, stage: "lead", minConversations: 0 })).toBe(2);
  });
});

describe("describeFilters", () => {
  it("says which customers a list action reaches", () => {
    expect(describeFilters(DEFAULT_FILTERS)).toBe("every customer");
    expect(describeFilters({ ...DEFAULT_FILTERS, segment: "vip", q: "ann", stage: "lead" })).toBe("the customers shown (VIP, search “ann”, 1 filter)");
    expect(describeFilters({ ...DEFAULT_FILTERS, q: "an" })).toBe("every customer");
  });
});
