/** The sentiment trend: one point per scored customer message, oldest first. */
import type { Message, MessageSentiment } from "./api/conversations";

export interface TrendPoint {
  at: string;
  /** Milliseconds, for sorting and the chart's axis. */
  time: number;
  score: number;
  label: string;
}

export function trendPoints(messages: Message[], scores: Map<string, MessageSentiment | null | undefined>): TrendPoint[] {
  return messages
    .filter((m) => m.author === "customer")
    .flatMap((m) => {
      const s = scores.get(m.id);
      return s ? [{ at: m.sent_at, time: new Date(m.sent_at).getTime(), score: s.sentiment.score, label: s.sentiment.label }] : [];
    })
    .sort((a, b) => a.time - b.time);
}
