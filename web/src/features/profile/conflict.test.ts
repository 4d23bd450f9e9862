import type { Customer } from "./api/profile";
import { changesBetween, rebaseDraft, withPrimary } from "./conflict";

const base = {
  first_name: "Ann",
  last_name: "Lee",
  company: "",
  phones: [{ number: "+14155550134", primary: true }],
  emails: [],
  preferred_channel: "",
  language: "",
  timezone: "",
  lifecycle_stage: "prospect",
  call_status: "",
  folder: "",
  tags: [],
  workers: [],
  custom_fields: {},
} as unknown as Customer;

describe("changesBetween", () => {
  it("names what someone else changed, in the form's words", () => {
    const after = { ...base, company: "Lee Spa", phones: [{ number: "+14155550199", primary: true }] } as Customer;
    expect(changesBetween(base, after)).toEqual([
      { label: "Company", before: "(empty)", after: "Lee Spa" },
      { label: "Phone", before: "+14155550134", after: "+14155550199" },
    ]);
    expect(changesBetween(base, base)).toEqual([]);
  });
});

describe("withPrimary", () => {
  const make = (number: string) => ({ number, primary: true });
  const read = (p: { number: string }) => p.number;
  it("replaces the primary entry and keeps the others", () => {
    const list = [{ number: "1", primary: false }, { number: "2", primary: true }];
    expect(withPrimary(list, "3", make, read)).toEqual([{ number: "3", primary: true }, { number: "1", primary: false }]);
  });
  it("leaves an unchanged list alone and promotes the next one on removal", () => {
    const list = [{ number: "1", primary: true }, { number: "2", primary: false }];
    expect(withPrimary(list, "1", make, read)).toBe(list);
    expect(withPrimary(list, "", make, read)).toEqual([{ number: "2", primary: true }]);
    expect(withPrimary([], "5", make, read)).toEqual([{ number: "5", primary: true }]);
  });
});

describe("rebaseDraft", () => {
  it("takes the server's new values for fields the person did not edit", () => {
    const before = { company: "", language: "", phone: "1" };
    const after = { company: "", language: "es", phone: "2" };
    const draft = { company: "Martinez Hair", language: "", phone: "3" };
    expect(rebaseDraft(draft, before, after)).toEqual({ company: "Martinez Hair", language: "es", phone: "3" });
  });
});
