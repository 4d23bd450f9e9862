import { toExportFilter } from "./exportFilter";

describe("toExportFilter", () => {
  it("exports the customers the list shows", () => {
    expect(toExportFilter({ segment: "vip", sort: "ltv", q: "ann", min_ltv: 10000 })).toEqual({
      q: "ann",
      segment: "vip",
      sort: "ltv",
      stage: "",
      tag: "",
      folder: "",
      channel: "",
      sentiment: "",
      min_ltv: 10000,
      min_conversations: null,
      last_contact_within_days: null,
    });
    expect(toExportFilter({ segment: "all", sort: "recent" }).segment).toBe("");
  });
});
