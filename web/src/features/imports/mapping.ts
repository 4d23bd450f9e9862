/** The import wizard's column mapping: header -> field ("" leaves the column out). */
import type { Import } from "./api/dataops";

export const FIELD_LABELS: Record<string, string> = {
  first_name: "First name",
  last_name: "Last name",
  full_name: "Full name",
  company: "Company",
  phone: "Phone",
  email: "Email",
  address: "Address",
  city: "City",
  state: "State",
  postal_code: "Postal code",
  country: "Country",
  tags: "Tags",
  folder: "Folder",
};

export function fieldLabel(field: string): string {
  if (field.startsWith("cf.")) return `Custom: ${field.slice(3)}`;
  return FIELD_LABELS[field] ?? field;
}

/** What the editor starts from: the mapping the import has, else the server's suggestion; every
 * header present. */
export function initialMapping(imp: Pick<Import, "headers" | "mapping" | "suggested_mapping">): Record<string, string> {
  const base = Object.keys(imp.mapping).length ? imp.mapping : imp.suggested_mapping;
  return Object.fromEntries(imp.headers.map((h) => [h, base[h] ?? ""]));
}

/** Problems the staff member can fix before running: a field taken by two columns, no column
 * that names or reaches the customer. */
export function mappingProblems(mapping: Record<string, string>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [header, field] of Object.entries(mapping)) {
    if (!field || field === "tags") continue;
    const other = seen.get(field);
    if (other) problems.push(`“${header}” and “${other}” both go to ${fieldLabel(field)}`);
    else seen.set(field, header);
  }
  const used = new Set(Object.values(mapping));
  if (!["first_name", "last_name", "full_name", "company", "phone", "email"].some((f) => used.has(f)))
    problems.push("Map at least a name, a phone or an email column");
  return problems;
}

/** Only the columns that are mapped, as the run request takes them. */
export function runMapping(mapping: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).filter(([, field]) => field));
}

/** A mapping column wide enough for its picker to show the longest field name whole (px; the
 * xs picker's text is ~7 px a character, plus padding and the chevron). */
export function mappingColumnWidth(labels: string[]): number {
  const longest = Math.max(0, ...labels.map((l) => l.length));
  return Math.min(320, Math.max(160, Math.ceil(longest * 7.2) + 64));
}

type PreviewRow = Import["preview"][number];

/** A preview row's problems that no cell shows (a missing first name, no phone or e-mail at
 * all), in staff's words: the cells' own reasons are shown in their cells, not twice. */
export function rowProblems(row: Pick<PreviewRow, "error" | "cells">): string[] {
  let rest = row.error;
  for (const cell of row.cells) {
    if (cell.error && cell.field) rest = rest.replace(`${cell.field}: ${cell.error}`, "");
  }
  return rest
    .split("; ")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [field, ...reason] = p.split(": ");
      return reason.length && field && /^[a-z_.]+$/.test(field) ? `${fieldLabel(field)}: ${reason.join(": ")}` : p;
    });
}
