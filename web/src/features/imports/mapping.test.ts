import { initialMapping, mappingColumnWidth, mappingProblems, rowProblems, runMapping } from "./mapping";

describe("import mapping", () => {
  it("starts from the suggestion, every header present", () => {
    expect(initialMapping({ headers: ["Name", "Tel", "Notes"], mapping: {}, suggested_mapping: { Name: "full_name", Tel: "phone" } })).toEqual({
      Name: "full_name",
      Tel: "phone",
      Notes: "",
    });
    expect(initialMapping({ headers: ["Tel"], mapping: { Tel: "email" }, suggested_mapping: { Tel: "phone" } })).toEqual({ Tel: "email" });
  });

  it("finds a field taken twice and a file that reaches no one", () => {
    expect(mappingProblems({ A: "phone", B: "phone", C: "tags", D: "tags" })).toEqual(["“B” and “A” both go to Phone"]);
    expect(mappingProblems({ A: "city", B: "" })).toEqual(["Map at least a name, a phone or an email column"]);
    expect(mappingProblems({ A: "first_name", B: "email" })).toEqual([]);
  });

  it("sends only mapped columns", () => {
    expect(runMapping({ A: "phone", B: "" })).toEqual({ A: "phone" });
  });

  it("widens a column so its longest field name shows whole, within bounds", () => {
    expect(mappingColumnWidth(["Leave out", "Phone"])).toBe(160);
    const custom = mappingColumnWidth(["Leave out", "Custom: preferred_stylist"]);
    expect(custom).toBeGreaterThan(160);
    expect(custom).toBeGreaterThanOrEqual("Custom: preferred_stylist".length * 7);
    expect(mappingColumnWidth(["x".repeat(200)])).toBe(320);
  });

  it("keeps a row's problems that no cell shows, in staff's words", () => {
    const phone = { header: "Tel", field: "phone", value: "12ab", normalised: "", error: "not a phone number: write it in digits, e.g. (415) 555-0134" };
    const name = { header: "Name", field: "first_name", value: "", normalised: "", error: "" };
    expect(rowProblems({ error: `phone: ${phone.error}`, cells: [phone, name] })).toEqual([]);
    expect(rowProblems({ error: `phone: ${phone.error}; first_name: is required`, cells: [phone, name] })).toEqual(["First name: is required"]);
    expect(rowProblems({ error: "a phone or an e-mail is required", cells: [name] })).toEqual(["a phone or an e-mail is required"]);
    expect(rowProblems({ error: "", cells: [] })).toEqual([]);
  });
});
