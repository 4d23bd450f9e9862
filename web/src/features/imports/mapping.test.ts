import { initialMapping, mappingProblems, runMapping } from "./mapping";

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
});
