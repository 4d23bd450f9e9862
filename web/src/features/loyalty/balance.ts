/** How a loyalty amount reads: points as a count, store credit as money of the program. */
import { formatMoney } from "@/lib/format";

export function formatBalance(amount: number, kind: string, currency: string | undefined): string {
  if (kind === "credits") return formatMoney(amount, currency || "USD");
  return `${amount.toLocaleString()} ${Math.abs(amount) === 1 ? "point" : "points"}`;
}

export function formatDelta(amount: number, kind: string, currency: string | undefined): string {
  const text = formatBalance(Math.abs(amount), kind, currency);
  return amount < 0 ? `−${text}` : `+${text}`;
}

export const REASONS: Record<string, string> = {
  starting_balance: "Starting balance",
  earned: "Earned",
  redeemed: "Redeemed",
  manual_adjustment: "Manual adjustment",
  expired: "Expired",
  reversal: "Reversal",
  removed: "Removed",
};

/** The reasons staff may pick; a debit is a redemption unless said otherwise. */
export const ADJUST_REASONS = ["manual_adjustment", "earned", "redeemed", "reversal"] as const;
