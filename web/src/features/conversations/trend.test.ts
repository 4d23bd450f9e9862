import type { Message, MessageSentiment } from "./api/conversations";
import { trendPoints } from "./trend";

const message = (id: string, sent_at: string, author: Message["author"] = "customer") => ({ id, sent_at, author }) as Message;
const score = (value: number, label: string) => ({ sentiment: { score: value, label } }) as MessageSentiment;

describe("trendPoints", () => {
  it("plots scored customer messages oldest first", () => {
    const messages = [message("b", "2026-01-02T00:00:00Z"), message("a", "2026-01-01T00:00:00Z"), message("s", "2026-01-03T00:00:00Z", "agent"), message("c", "2026-01-04T00:00:00Z")];
    const scores = new Map([["a", score(0.5, "Happy")], ["b", score(-0.7, "Frustrated")], ["s", score(1, "Happy")], ["c", null]]);
    expect(trendPoints(messages, scores).map((p) => [p.score, p.label])).toEqual([[0.5, "Happy"], [-0.7, "Frustrated"]]);
  });
});
