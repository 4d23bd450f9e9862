import { channelName, formatMoney, relativeTime, sentimentLabel, titleCase } from "./format";

describe("format", () => {
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
