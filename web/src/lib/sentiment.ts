/** Sentiment labels' colours, shared by the list, the badge and the messages. Each keeps white
 * text (and text on white) at 4.5:1 or more (WCAG AA); Mantine's darkest green does not. */
export const SENTIMENT_COLORS: Record<string, string> = {
  Happy: "#1f6f31",
  Neutral: "var(--mantine-color-gray-7)",
  Frustrated: "var(--mantine-color-red-9)",
};

export function sentimentColor(label: string): string {
  return SENTIMENT_COLORS[label] ?? SENTIMENT_COLORS.Neutral!;
}
