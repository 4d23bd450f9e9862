/**
 * The workflow editor's draft and the automation service's JSON (services/automation/README.md):
 * a trigger, conditions on the customer and the event, ordered actions. Everything is edited as
 * text; numbers, lists and booleans are typed on the way out. Fields the editor does not show
 * (an action's `id`, `template`, `marketing`...) are kept as they were.
 */
import type { Schemas } from "@/lib/api/client";

export const TRIGGERS: { value: string; label: string; takesTo?: string }[] = [
  { value: "manual", label: "Run by hand (Run automation)" },
  { value: "customer.created", label: "Customer created" },
  { value: "customer.stage_changed", label: "Stage changed", takesTo: "New stage" },
  { value: "customer.status_changed", label: "Call status changed", takesTo: "New call status" },
  { value: "customer.folder_changed", label: "Folder changed", takesTo: "New folder" },
  { value: "customer.tag_added", label: "Tag added", takesTo: "Tag" },
  { value: "sentiment.turned_frustrated", label: "Turned Frustrated" },
  { value: "sentiment.changed", label: "Sentiment changed" },
  { value: "message.received", label: "Message received" },
  { value: "payment.succeeded", label: "Payment succeeded" },
  { value: "payment.failed", label: "Payment failed" },
  { value: "booking.confirmed", label: "Booking confirmed" },
  { value: "booking.cancelled", label: "Booking cancelled" },
  { value: "invoice.overdue", label: "Invoice overdue" },
];

export const OPERATORS = ["eq", "ne", "contains", "not_contains", "gt", "gte", "lt", "lte", "in", "is_set", "is_not_set"] as const;
export const OPERATOR_LABELS: Record<(typeof OPERATORS)[number], string> = {
  eq: "is",
  ne: "is not",
  contains: "contains",
  not_contains: "does not contain",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  in: "is one of",
  is_set: "is set",
  is_not_set: "is not set",
};

export interface ActionSpec {
  label: string;
  fields: { name: string; label: string; kind?: "number" | "long" | "choice"; choices?: string[] }[];
}

export const ACTIONS: Record<string, ActionSpec> = {
  send_message: {
    label: "Send a message",
    fields: [
      { name: "channel", label: "Channel", kind: "choice", choices: ["preferred", "email", "sms", "whatsapp"] },
      { name: "subject", label: "Subject" },
      { name: "text", label: "Text", kind: "long" },
      { name: "staff_email", label: "Send to staff e-mail instead" },
    ],
  },
  create_task: {
    label: "Create a task",
    fields: [
      { name: "title", label: "Task title" },
      { name: "description", label: "Description", kind: "long" },
      { name: "due_in_hours", label: "Due in hours", kind: "number" },
      { name: "priority", label: "Priority", kind: "choice", choices: ["low", "normal", "high"] },
    ],
  },
  add_tag: { label: "Add a tag", fields: [{ name: "tag", label: "Tag" }] },
  remove_tag: { label: "Remove a tag", fields: [{ name: "tag", label: "Tag" }] },
  set_stage: {
    label: "Set the stage",
    fields: [{ name: "stage", label: "Stage", kind: "choice", choices: ["prospect", "lead", "customer", "repeat", "vip", "at_risk", "churned"] }],
  },
  set_status: { label: "Set the call status", fields: [{ name: "status", label: "Call status", kind: "choice", choices: ["called", "no_answer", "left_voicemail", "spoke"] }] },
  set_folder: { label: "Move to a folder", fields: [{ name: "folder", label: "Folder" }] },
  webhook: { label: "Call a webhook", fields: [{ name: "url", label: "URL (https)" }, { name: "body_template", label: "Body template", kind: "long" }] },
  wait: {
    label: "Wait",
    fields: [
      { name: "minutes", label: "Minutes", kind: "number" },
      { name: "hours", label: "Hours", kind: "number" },
      { name: "days", label: "Days", kind: "number" },
    ],
  },
};

export interface ConditionDraft {
  field: string;
  op: string;
  value: string;
}

export interface ActionDraft {
  type: string;
  values: Record<string, string>;
  /** What the editor does not show, sent back unchanged. */
  rest: Record<string, unknown>;
}

export interface Draft {
  name: string;
  description: string;
  enabled: boolean;
  trigger: string;
  to: string;
  conditions: ConditionDraft[];
  actions: ActionDraft[];
  cooldown: string;
}

export const EMPTY_DRAFT: Draft = {
  name: "",
  description: "",
  enabled: false,
  trigger: "manual",
  to: "",
  conditions: [],
  actions: [{ type: "add_tag", values: { tag: "" }, rest: {} }],
  cooldown: "",
};

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(text).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value as string | number | boolean);
}

function typed(value: string): unknown {
  const v = value.trim();
  if (v === "true") return true;
  if (v === "false") return false;
  if (v !== "" && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

export function fromAutomation(a: Schemas["AutomationOut"]): Draft {
  return {
    name: a.name,
    description: a.description,
    enabled: a.enabled,
    trigger: text(a.trigger.type),
    to: text(a.trigger.to),
    conditions: a.conditions.map((c) => ({ field: text(c.field), op: text(c.op) || "eq", value: text(c.value) })),
    actions: a.actions.map((action) => {
      const type = text(action.type);
      const shown = new Set(ACTIONS[type]?.fields.map((f) => f.name) ?? []);
      const values: Record<string, string> = {};
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(action)) {
        if (key === "type") continue;
        if (shown.has(key)) values[key] = text(value);
        else rest[key] = value;
      }
      return { type, values, rest };
    }),
    cooldown: String(a.cooldown_seconds),
  };
}

export function toAutomation(d: Draft): Schemas["AutomationIn"] {
  const trigger: Record<string, unknown> = { type: d.trigger };
  if (d.to.trim() && TRIGGERS.find((t) => t.value === d.trigger)?.takesTo) trigger.to = d.to.trim();
  const conditions = d.conditions.map((c) => {
    const out: Record<string, unknown> = { field: c.field.trim(), op: c.op };
    if (c.op === "is_set" || c.op === "is_not_set") return out;
    out.value = c.op === "in" ? c.value.split(",").map((v) => typed(v)).filter((v) => v !== "") : typed(c.value);
    return out;
  });
  const actions = d.actions.map((a) => {
    const spec = ACTIONS[a.type];
    const out: Record<string, unknown> = { ...a.rest, type: a.type };
    for (const field of spec?.fields ?? []) {
      const value = (a.values[field.name] ?? "").trim();
      if (value === "") continue;
      out[field.name] = field.kind === "number" ? Number(value) : value;
    }
    return out;
  });
  const cooldown = d.cooldown.trim() === "" ? null : Number(d.cooldown);
  return { name: d.name.trim(), description: d.description.trim(), enabled: d.enabled, trigger, conditions, actions, cooldown_seconds: cooldown };
}

/** The server's 422 paths (`actions[1].tag`, `conditions[0].op`, `trigger.to`, `name`) mapped to
 * the editor's inputs: `actions.1.tag`, `conditions.0`, `trigger`, `name`. */
export function errorsByPath(errors: { field: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { field, message } of errors) {
    const path = field.replace(/^body\./, "");
    const item = /^(actions|conditions)\[(\d+)\](?:\.(\w+))?/.exec(path);
    let key = path.split(".")[0] ?? path;
    if (item) key = item[1] === "actions" && item[3] ? `actions.${item[2]}.${item[3]}` : `${item[1]}.${item[2]}`;
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}

export function triggerLabel(trigger: Record<string, unknown>): string {
  const type = text(trigger.type);
  const known = TRIGGERS.find((t) => t.value === type);
  const to = text(trigger.to);
  return `${known?.label ?? type}${to ? ` → ${to}` : ""}`;
}
