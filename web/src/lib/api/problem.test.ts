import { fieldErrorsByInput, toApiError } from "./problem";

describe("toApiError", () => {
  it("keeps a problem's detail and per-field errors", () => {
    const e = toApiError(422, {
      title: "Unprocessable Content",
      detail: "invalid customer",
      errors: [{ field: "phones[0].number", message: "not a phone number" }, { bogus: 1 }],
    });
    expect(e.status).toBe(422);
    expect(e.message).toBe("invalid customer");
    expect(e.fieldErrors).toEqual([{ field: "phones[0].number", message: "not a phone number" }]);
  });
  it("copes with a body that is not a problem", () => {
    expect(toApiError(502, "Bad Gateway").message).toBe("Bad Gateway");
    expect(toApiError(500, null).title).toBe("Request failed (500)");
  });
});

describe("fieldErrorsByInput", () => {
  it("maps nested paths onto the input that holds them", () => {
    const { byInput, unmatched } = fieldErrorsByInput(
      [
        { field: "phones[0].number", message: "not a phone number" },
        { field: "body.company", message: "too long" },
        { field: "phones[1].number", message: "second" },
        { field: "vip", message: "not here" },
      ],
      ["phones", "company"],
    );
    expect(byInput).toEqual({ phones: "not a phone number", company: "too long" });
    expect(unmatched).toEqual([{ field: "vip", message: "not here" }]);
  });
});
