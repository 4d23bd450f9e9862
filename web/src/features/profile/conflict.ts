/**
 * A concurrent edit (412): what someone else changed between the version the form started from
 * and the server's current one, in the words the form uses.
 */
import type { Customer } from "./api/profile";

export interface Change {
  label: string;
  before: string;
  after: string;
}

type Reader = (c: Customer) => string;

export const CONTACT_FIELDS: { label: string; read: Reader }[] = [
  { label: "First name", read: (c) => c.first_name },
  { label: "Last name", read: (c) => c.last_name },
  { label: "Company", read: (c) => c.company },
  { label: "Phone", read: (c) => primaryPhone(c) },
  { label: "Email", read: (c) => primaryEmail(c) },
  { label: "Preferred channel", read: (c) => c.preferred_channel },
  { label: "Language", read: (c) => c.language },
  { label: "Timezone", read: (c) => c.timezone },
  { label: "Preferred contact time", read: (c) => c.preferred_contact_time },
  { label: "Stage", read: (c) => c.lifecycle_stage },
  { label: "Call status", read: (c) => c.call_status },
  { label: "Folder", read: (c) => c.folder },
  { label: "Tags", read: (c) => c.tags.join(", ") },
  { label: "Workers", read: (c) => c.workers.join(", ") },
  { label: "Custom fields", read: (c) => JSON.stringify(c.custom_fields) },
];

export function primaryPhone(c: Customer): string {
  return (c.phones.find((p) => p.primary) ?? c.phones[0])?.number ?? "";
}

export function primaryEmail(c: Customer): string {
  return (c.emails.find((e) => e.primary) ?? c.emails[0])?.address ?? "";
}

export function changesBetween(before: Customer, after: Customer): Change[] {
  return CONTACT_FIELDS.flatMap(({ label, read }) => {
    const a = read(before);
    const b = read(after);
    return a === b ? [] : [{ label, before: a || "(empty)", after: b || "(empty)" }];
  });
}

/**
 * Replaces the primary entry of a contact list with `value`, keeping the others; an empty
 * value removes the primary entry.
 */
export function withPrimary<T extends { primary: boolean }>(
  list: T[],
  value: string,
  make: (value: string) => T,
  read: (item: T) => string,
): T[] {
  const index = Math.max(0, list.findIndex((item) => item.primary));
  const current = list[index];
  if (current && read(current) === value) return list;
  const rest = list.filter((_, i) => i !== index).map((item) => ({ ...item, primary: false }));
  return value ? [make(value), ...rest] : rest.map((item, i) => ({ ...item, primary: i === 0 }));
}

/**
 * After a 412: the draft on top of the server's new version. A field the person did not touch
 * takes the new value; a field they edited keeps their edit.
 */
export function rebaseDraft<T extends { [K in keyof T]: string }>(draft: T, before: T, after: T): T {
  const out = { ...draft };
  for (const key of Object.keys(draft) as (keyof T)[]) {
    if (draft[key] === before[key]) out[key] = after[key];
  }
  return out;
}
