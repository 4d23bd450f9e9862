import { AVATAR_COLORS, avatarColor, initials } from "./avatar";

describe("avatars", () => {
  it("takes up to two initials, whatever the script", () => {
    expect(initials("olivia", "Martinez")).toBe("OM");
    expect(initials("Émile", "")).toBe("É");
    expect(initials(" ", "")).toBe("?");
  });
  it("gives a customer the same colour every time", () => {
    expect(avatarColor("abc")).toBe(avatarColor("abc"));
    expect(AVATAR_COLORS).toContain(avatarColor("xyz"));
    expect(avatarColor("abc", "teal.9")).toBe("teal.9");
    expect(AVATAR_COLORS).toContain(avatarColor("abc", "#FFB74D"));
  });
});
