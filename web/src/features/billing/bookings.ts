/** Booking logic the screens share: date inputs, calendar weeks, what a booking still owes. */
import type { Booking, Payment } from "./api/billing";
import { TONES } from "@/lib/tones";

const pad = (n: number) => String(n).padStart(2, "0");

/** A Date as a `datetime-local` input's value, in the browser's time zone. */
export function toLocalInput(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (local time) as an RFC 3339 instant; null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The first slot offered: tomorrow at 10:00. */
export function defaultStart(now: Date = new Date()): string {
  const start = new Date(now);
  start.setDate(start.getDate() + 1);
  start.setHours(10, 0, 0, 0);
  return toLocalInput(start);
}

/** Monday 00:00 (local) of the week holding `day`, `offset` weeks later, and the 7 days. */
export function week(day: Date, offset = 0): { from: Date; to: Date; days: Date[] } {
  const from = new Date(day);
  from.setHours(0, 0, 0, 0);
  from.setDate(from.getDate() - ((from.getDay() + 6) % 7) + offset * 7);
  const days = Array.from({ length: 7 }, (_, i) => {
    const d = new Date(from);
    d.setDate(from.getDate() + i);
    return d;
  });
  const to = new Date(from);
  to.setDate(from.getDate() + 7);
  return { from, to, days };
}

/** Bookings per day of `days` (local dates), each day in start order. */
export function byDay(bookings: Booking[], days: Date[]): Booking[][] {
  const key = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  const index = new Map(days.map((d, i) => [key(d), i]));
  const out: Booking[][] = days.map(() => []);
  for (const b of [...bookings].sort((a, z) => (a.starts_at ?? "").localeCompare(z.starts_at ?? ""))) {
    const i = b.starts_at ? index.get(key(new Date(b.starts_at))) : undefined;
    if (i !== undefined) out[i]!.push(b);
  }
  return out;
}

/** What was kept of the payments on a booking (net of refunds), what was refunded, and what is
 * left to pay. A refund gives money back (a goodwill gesture, a service not done): it lowers what
 * the booking is worth to the business, it does not ask the customer to pay that part again. */
export function bookingBalance(booking: Booking, payments: Payment[]): { paid: number; refunded: number; due: number } {
  const taken = payments.filter((p) => p.booking_id === booking.id && p.status !== "failed");
  const collected = taken.reduce((sum, p) => sum + p.amount_minor, 0);
  const refunded = taken.reduce((sum, p) => sum + p.refunded_minor, 0);
  const owes = booking.status === "confirmed" || booking.status === "completed";
  return { paid: collected - refunded, refunded, due: owes ? Math.max(0, booking.amount_minor - collected) : 0 };
}

export const BOOKING_STATUS: Record<Booking["status"], { label: string; color: string }> = {
  requested: { label: "Requested", color: TONES.warn },
  confirmed: { label: "Confirmed", color: TONES.info },
  completed: { label: "Completed", color: TONES.good },
  cancelled: { label: "Cancelled", color: TONES.muted },
  no_show: { label: "No-show", color: TONES.bad },
};

/** What can still be refunded on a payment (nothing on a failed or fully refunded one). */
export function refundable(payment: Payment): number {
  return payment.status === "succeeded" || payment.status === "partially_refunded" ? payment.amount_minor - payment.refunded_minor : 0;
}

/** Why a refund amount typed by staff cannot go (null when it can). */
export function refundProblem(minor: number | null, left: number): string | null {
  if (minor === null || minor <= 0) return "Enter an amount above zero";
  if (minor > left) return "More than is left to refund on this payment";
  return null;
}
