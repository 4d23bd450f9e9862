/** Display formatting shared by every feature. */

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const code = currency || "USD";
  const digits = new Intl.NumberFormat(locale, { style: "currency", currency: code })
    .resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: code,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "never";
  const seconds = (new Date(iso).getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date(iso));
}

const CHANNEL_NAMES: Record<string, string> = {
  phone: "Phone",
  sms: "SMS",
  whatsapp: "WhatsApp",
  email: "Email",
  webchat: "Web chat",
};

export function channelName(channel: string): string {
  return CHANNEL_NAMES[channel] ?? titleCase(channel);
}

/** Sentiment labels arrive as "Happy" from the sentiment API and "happy" on customers. */
export function sentimentLabel(label: string): string {
  return label ? label[0]!.toUpperCase() + label.slice(1).toLowerCase() : "";
}

export function titleCase(value: string): string {
  if (value === "vip") return "VIP";
  return value
    .split("_")
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(" ");
}

/** The minor-unit digits of a currency (USD 2, JPY 0, KWD 3). */
export function currencyDigits(currency: string, locale?: string): number {
  return new Intl.NumberFormat(locale, { style: "currency", currency: currency || "USD" }).resolvedOptions()
    .maximumFractionDigits ?? 2;
}

/** "45", "45.5", "1,045.50" -> minor units (4500, 4550, 104550); null when not an amount. */
export function toMinor(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const cleaned = text.replace(/[\s,]/g, "");
  const pattern = digits > 0 ? new RegExp(`^-?\\d+(\\.\\d{1,${digits}})?$`) : /^-?\d+$/;
  if (!pattern.test(cleaned)) return null;
  const [whole = "0", fraction = ""] = cleaned.replace("-", "").split(".");
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return cleaned.startsWith("-") ? -minor : minor;
}

/** Minor units as the text an amount input starts with (4500 USD -> "45.00"). */
export function minorToInput(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

/** "1 interaction", "2 interactions", "1,204 interactions": the count with the word in the
 * plural form the locale's rules pick (English: one / other). */
export function countOf(n: number, forms: { one: string; other: string }, locale?: string): string {
  const form = new Intl.PluralRules(locale).select(n) === "one" ? forms.one : forms.other;
  return `${n.toLocaleString(locale)} ${form}`;
}

export const INTERACTIONS = { one: "interaction", other: "interactions" };
