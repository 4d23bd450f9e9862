import { formatBalance, formatDelta } from "./balance";

describe("loyalty amounts", () => {
  it("reads points as a count and credit as money", () => {
    expect(formatBalance(150, "points", undefined)).toBe(`${(150).toLocaleString()} points`);
    expect(formatBalance(1, "points", "USD")).toBe("1 point");
    expect(formatBalance(2500, "credits", "USD")).toMatch(/25\.00/);
  });
  it("signs ledger deltas", () => {
    expect(formatDelta(-50, "points", undefined)).toBe("−50 points");
    expect(formatDelta(45, "points", undefined)).toBe("+45 points");
  });
});
