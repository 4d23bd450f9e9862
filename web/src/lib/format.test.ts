import { INTERACTIONS, channelName, countOf, formatMoney, minorToInput, relativeTime, sentimentLabel, titleCase, toMinor } from "./format";

describe("format", () => {
  it("puts a count's word in the plural form the locale picks", () => {
    expect(countOf(1, INTERACTIONS, "en-US")).toBe("1 interaction");
    expect(countOf(0, INTERACTIONS, "en-US")).toBe("0 interactions");
    expect(countOf(2, INTERACTIONS, "en-US")).toBe("2 interactions");
    expect(countOf(1204, INTERACTIONS, "en-US")).toBe("1,204 interactions");
    expect(countOf(1, { one: "field", other: "fields" }, "en-US")).toBe("1 field");
  });
  it("formats minor units in the currency's own decimals", () => {
    expect(formatMoney(48000, "USD", "en-US")).toBe("$480.00");
    expect(formatMoney(4800, "JPY", "en-US")).toBe("¥4,800");
    expect(formatMoney(150, "", "en-US")).toBe("$1.50");
  });
  it("says how long ago", () => {
    const now = new Date("2026-01-10T12:00:00Z");
    expect(relativeTime("2026-01-10T11:59:30Z", now)).toBe("just now");
    expect(relativeTime("2026-01-08T12:00:00Z", now)).toMatch(/2 days ago/);
    expect(relativeTime(null, now)).toBe("never");
  });
  it("names channels and normalises sentiment labels", () => {
    expect(channelName("whatsapp")).toBe("WhatsApp");
    expect(channelName("sms")).toBe("SMS");
    expect(channelName("fax")).toBe("Fax");
    expect(sentimentLabel("frustrated")).toBe("Frustrated");
    expect(sentimentLabel("")).toBe("");
  });
  it("title-cases snake_case", () => {
    expect(titleCase("at_risk")).toBe("At Risk");
    expect(titleCase("vip")).toBe("VIP");
    expect(titleCase("")).toBe("");
  });
});

describe("amounts typed by staff", () => {
  it("become minor units in the currency's digits", () => {
    expect(toMinor("45", "USD")).toBe(4500);
    expect(toMinor("45.5", "USD")).toBe(4550);
    expect(toMinor("1,045.50", "USD")).toBe(104550);
    expect(toMinor("-12.30", "EUR")).toBe(-1230);
    expect(toMinor("500", "JPY")).toBe(500);
    expect(toMinor("1.234", "KWD")).toBe(1234);
  });

  it("refuse what is not an amount", () => {
    expect(toMinor("", "USD")).toBeNull();
    expect(toMinor("4.555", "USD")).toBeNull();
    expect(toMinor("5.5", "JPY")).toBeNull();
    expect(toMinor("abc", "USD")).toBeNull();
  });

  it("start from the amount due", () => {
    expect(minorToInput(4500, "USD")).toBe("45.00");
    expect(minorToInput(500, "JPY")).toBe("500");
  });
});
