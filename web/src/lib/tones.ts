/** Status colours for filled badges: each keeps white text at 4.5:1 or more (WCAG AA), on any
 * background (Mantine's light badges and its yellow/green shades do not). */
export const TONES = {
  info: "#1864ab",
  good: "#1f6f31",
  bad: "#c92a2a",
  muted: "#495057",
  warn: "#8a5300",
} as const;
