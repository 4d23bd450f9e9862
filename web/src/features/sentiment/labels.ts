/** Words for sentiment trends and emotions. */
export const EMOTIONS = ["frustration", "satisfaction", "confusion", "urgency"] as const;

export function trendWords(trend: string): string {
  return trend === "improving" ? "improving" : trend === "declining" ? "getting worse" : trend === "stable" ? "steady" : "";
}

/** The emotions worth naming: above 0.3, strongest first. */
export function strongEmotions(emotions: Record<(typeof EMOTIONS)[number], number>): string[] {
  return EMOTIONS.filter((e) => emotions[e] >= 0.3)
    .sort((a, b) => emotions[b] - emotions[a])
    .map((e) => `${e} ${Math.round(emotions[e] * 100)}%`);
}
