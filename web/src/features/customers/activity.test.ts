import { hasNewActivity, loadSeen, markSeen } from "./activity";

describe("new-activity badges", () => {
  beforeEach(() => localStorage.clear());

  it("flags activity after the workspace was first used here, until the profile is opened", () => {
    const seen = loadSeen(localStorage, new Date("2026-01-01T10:00:00Z"));
    expect(hasNewActivity(seen, "c1", "2026-01-01T09:00:00Z")).toBe(false);
    expect(hasNewActivity(seen, "c1", "2026-01-01T11:00:00Z")).toBe(true);
    const after = markSeen(localStorage, "c1", new Date("2026-01-01T12:00:00Z"));
    expect(hasNewActivity(after, "c1", "2026-01-01T11:00:00Z")).toBe(false);
    expect(hasNewActivity(after, "c1", "2026-01-01T12:30:00Z")).toBe(true);
    expect(hasNewActivity(after, "c1", null)).toBe(false);
  });

  it("keeps its first-use time across reloads and recovers from junk", () => {
    const first = loadSeen(localStorage, new Date("2026-01-01T10:00:00Z"));
    expect(loadSeen(localStorage, new Date("2027-01-01T00:00:00Z")).since).toBe(first.since);
    localStorage.setItem("moodline.seen", "{not json");
    expect(loadSeen(localStorage, new Date("2027-01-01T00:00:00Z")).since).toBe("2027-01-01T00:00:00.000Z");
  });
});
