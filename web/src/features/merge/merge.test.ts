import { defaultChoices, differingFields, fieldText, mergeBody, operationText, previewQuery, reasonText, swapChoices, unitedText, type Customer } from "./merge";

const customer = (over: Partial<Customer>): Customer =>
  ({
    id: "c1",
    first_name: "Kai",
    last_name: "Moreno",
    company: "",
    preferred_channel: "",
    preferred_contact_time: "",
    language: "",
    timezone: "",
    folder: "",
    call_status: "",
    custom_fields: {},
    phones: [{ number: "+14155553101", primary: true }],
    emails: [],
    tags: [],
    workers: [],
    ...over,
  }) as Customer;

describe("merge choices", () => {
  const kai = customer({ company: "Moreno Hair", custom_fields: { allergies: "latex" } });
  const kay = customer({ id: "c2", first_name: "Kay", language: "es", call_status: "spoke", custom_fields: { allergies: "none" } });

  it("offers a choice only where the two differ", () => {
    expect(differingFields(kai, kay)).toEqual(["first_name", "company", "language", "call_status", "custom_fields"]);
    expect(differingFields(kai, customer({ id: "c3", company: "Moreno Hair", custom_fields: { allergies: "latex" } }))).toEqual([]);
  });

  it("starts from the server's rule: the survivor's value, the duplicate's where the survivor's is empty", () => {
    expect(defaultChoices(kai, kay)).toEqual({
      first_name: "survivor",
      company: "survivor",
      language: "duplicate",
      call_status: "duplicate",
      custom_fields: "survivor",
    });
  });

  it("keeps every value where it was when the two trade places", () => {
    const picked = { ...defaultChoices(kai, kay), first_name: "duplicate" as const };
    const swapped = swapChoices(picked);
    expect(swapped.first_name).toBe("survivor"); // still Kay
    expect(swapped.language).toBe("survivor"); // still "es"
    expect(swapped.company).toBe("duplicate"); // still Moreno Hair
  });

  it("sends every pick explicitly, to the preview and to the merge alike", () => {
    const picks = { first_name: "duplicate", company: "survivor", language: "duplicate" } as const;
    expect(previewQuery("c2", picks)).toEqual({
      duplicate_id: "c2",
      from_duplicate: ["first_name", "language"],
      from_survivor: ["company"],
    });
    expect(mergeBody("c2", picks)).toEqual({ duplicate_id: "c2", fields: picks });
  });

  it("reads fields as staff do", () => {
    expect(fieldText(kay, "call_status")).toBe("Spoke to them");
    expect(fieldText(customer({ custom_fields: { b: 2, a: "x", empty: "" } }), "custom_fields")).toBe("a: x, b: 2");
    expect(fieldText(customer({ folder: "f1" }), "folder", (id) => (id === "f1" ? "Regulars" : "?"))).toBe("Regulars");
  });

  it("lists what both keep, without repeats", () => {
    const a = customer({ tags: ["vip"], emails: [{ address: "k@example.com", primary: true }] });
    const b = customer({ id: "c2", tags: ["vip", "new"], phones: [{ number: "+14155553101", primary: true }, { number: "+14155550000", primary: false }] });
    const united = Object.fromEntries(unitedText(a, b).map((u) => [u.label, u.values]));
    expect(united.Phones).toEqual(["+14155553101", "+14155550000"]);
    expect(united.Emails).toEqual(["k@example.com"]);
    expect(united.Tags).toEqual(["vip", "new"]);
  });
});

describe("merge words", () => {
  it("says why two customers look alike", () => {
    expect(reasonText({ kind: "phone", detail: "+14155553101" })).toBe("Same phone +14155553101");
    expect(reasonText({ kind: "email", detail: "k@example.com" })).toBe("Same email k@example.com");
    expect(reasonText({ kind: "name", detail: "kai moreno ~ kay moreno" })).toBe("Similar name");
    expect(reasonText({ kind: "name", detail: "kai moreno ~ kay moreno (acme ~ acme inc)" })).toBe("Similar name and company");
  });

  it("follows the operation until every service is done", () => {
    const op = {
      id: "o1",
      kind: "merge" as const,
      customer_id: "c1",
      duplicate_id: "c2",
      status: "running" as const,
      created_at: null,
      completed_at: null,
      steps: [
        { service: "customer", status: "completed" as const, completed_at: null },
        { service: "billing", status: "pending" as const, completed_at: null },
      ],
    };
    expect(operationText(op)).toBe("Moving their data: 1 of 2 services done (waiting for billing).");
    expect(operationText({ ...op, status: "completed" })).toMatch(/^Merged/);
  });
});
