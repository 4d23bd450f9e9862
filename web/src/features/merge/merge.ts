/** The merge wizard's rules: which fields the two profiles disagree on, whose value each keeps
 * (the server's default until staff pick), the preview's and the merge's request, and the
 * operation's progress in words. The server (customer service, domain/merge.py) is the
 * authority: the preview shows its result for exactly the picks the merge will send. */
import type { Schemas } from "@/lib/api/client";
import type { operations } from "@/lib/api/schema";

export type Customer = Schemas["CustomerOut"];
type PreviewQuery = NonNullable<operations["merge_preview_api_v1_customers__customer_id__merge_preview_get"]["parameters"]["query"]>;
export type MergeField = NonNullable<PreviewQuery["from_duplicate"]>[number];
export type Side = "survivor" | "duplicate";
export type Choices = Partial<Record<MergeField, Side>>;

const CALL_STATUS: Record<string, string> = {
  called: "Called",
  no_answer: "No answer",
  left_voicemail: "Left a voicemail",
  spoke: "Spoke to them",
};

/** The single-valued fields staff may pick, in the order the wizard shows them. */
export const FIELDS: { field: MergeField; label: string }[] = [
  { field: "first_name", label: "First name" },
  { field: "last_name", label: "Last name" },
  { field: "company", label: "Company" },
  { field: "preferred_channel", label: "Preferred channel" },
  { field: "preferred_contact_time", label: "Preferred contact time" },
  { field: "language", label: "Language" },
  { field: "timezone", label: "Time zone" },
  { field: "folder", label: "Folder" },
  { field: "call_status", label: "Call status" },
  { field: "custom_fields", label: "Custom fields" },
];

/** A field's value as staff read it ("" when empty); `folderName` turns a folder id into its name. */
export function fieldText(customer: Customer, field: MergeField, folderName: (id: string) => string = (id) => id): string {
  if (field === "custom_fields") {
    return Object.entries(customer.custom_fields)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v as string | number | boolean)}`)
      .sort()
      .join(", ");
  }
  if (field === "folder") return customer.folder ? folderName(customer.folder) : "";
  if (field === "call_status") return CALL_STATUS[customer.call_status] ?? customer.call_status;
  const value = customer[field];
  return typeof value === "string" ? value : "";
}

function isEmpty(customer: Customer, field: MergeField): boolean {
  return fieldText(customer, field) === "";
}

/** The fields whose values differ: the only ones worth a choice. */
export function differingFields(survivor: Customer, duplicate: Customer): MergeField[] {
  return FIELDS.map((f) => f.field).filter((f) => fieldText(survivor, f) !== fieldText(duplicate, f));
}

/** What the server does unasked: the survivor's value, the duplicate's where the survivor's is empty. */
export function defaultChoices(survivor: Customer, duplicate: Customer): Choices {
  return Object.fromEntries(
    differingFields(survivor, duplicate).map((f) => [f, isEmpty(survivor, f) && !isEmpty(duplicate, f) ? "duplicate" : "survivor"]),
  );
}

/** The picks after the two profiles trade places: each field still keeps the same value. */
export function swapChoices(choices: Choices): Choices {
  return Object.fromEntries(Object.entries(choices).map(([f, side]) => [f, side === "survivor" ? "duplicate" : "survivor"]));
}

/** The preview's query: every pick made explicit, so it is the merge the confirm will run. */
export function previewQuery(duplicateId: string, choices: Choices): PreviewQuery {
  const picked = Object.entries(choices) as [MergeField, Side][];
  return {
    duplicate_id: duplicateId,
    from_duplicate: picked.filter(([, side]) => side === "duplicate").map(([f]) => f).sort(),
    from_survivor: picked.filter(([, side]) => side === "survivor").map(([f]) => f).sort(),
  };
}

export function mergeBody(duplicateId: string, choices: Choices): Schemas["MergeIn"] {
  const fields: Record<string, Side> = {};
  for (const [field, side] of Object.entries(choices)) if (side) fields[field] = side;
  return { duplicate_id: duplicateId, fields };
}

/** The contacts and lists the merge unites (nothing to pick): what the survivor will hold. */
export function unitedText(survivor: Customer, duplicate: Customer): { label: string; values: string[] }[] {
  const unite = (a: string[], b: string[]) => [...a, ...b.filter((x) => !a.includes(x))];
  return [
    { label: "Phones", values: unite(survivor.phones.map((p) => p.number), duplicate.phones.map((p) => p.number)) },
    { label: "Emails", values: unite(survivor.emails.map((e) => e.address), duplicate.emails.map((e) => e.address)) },
    { label: "Tags", values: unite(survivor.tags, duplicate.tags) },
    { label: "Assigned workers", values: unite(survivor.workers, duplicate.workers) },
  ];
}

type Reason = Schemas["DuplicateReasonOut"];

export function reasonText(reason: Reason): string {
  if (reason.kind === "phone") return `Same phone ${reason.detail}`;
  if (reason.kind === "email") return `Same email ${reason.detail}`;
  // The detail is the normalised names ("kai moreno ~ kay moreno (acme ~ acme inc)"); the
  // names are on screen as typed, so only what was compared is said.
  return reason.detail.includes("(") ? "Similar name and company" : "Similar name";
}

type Operation = Schemas["CustomerOperationOut"];

/** "Moving their data: 4 of 6 services done" until every service has done its part. */
export function operationText(op: Operation): string {
  if (op.status === "completed") return "Merged: every service has moved the duplicate's data to the survivor.";
  const done = op.steps.filter((s) => s.status === "completed").length;
  const waiting = op.steps.filter((s) => s.status !== "completed").map((s) => s.service);
  return `Moving their data: ${done} of ${op.steps.length} services done (waiting for ${waiting.join(", ")}).`;
}

export function displayName(c: Pick<Customer, "first_name" | "last_name">): string {
  return `${c.first_name} ${c.last_name}`.trim() || "Unnamed customer";
}
