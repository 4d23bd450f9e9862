import type { Schemas } from "@/lib/api/client";
import { EMPTY_DRAFT, errorsByPath, fromAutomation, toAutomation, triggerLabel } from "./workflow";

const saved: Schemas["AutomationOut"] = {
  id: "w1",
  name: "Customer turns Frustrated",
  description: "Tag, task, e-mail",
  enabled: true,
  trigger: { type: "sentiment.turned_frustrated" },
  conditions: [
    { field: "customer.lifetime_value_minor", op: "gt", value: 10000 },
    { field: "customer.tags", op: "in", value: ["vip", "regular"] },
    { field: "customer.email", op: "is_set" },
  ],
  actions: [
    { id: "a1", type: "add_tag", tag: "needs-attention" },
    { id: "a2", type: "create_task", title: "Call {{customer.full_name}} back", due_in_hours: 4, priority: "high" },
    { id: "a3", type: "send_message", channel: "email", staff_email: "manager@x.example", template: "{{customer.full_name}} is unhappy" },
  ],
  cooldown_seconds: 600,
  version: 3,
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  last_run_at: null,
};

describe("workflow drafts", () => {
  it("round-trip a saved workflow, typed values and hidden fields included", () => {
    const draft = fromAutomation(saved);
    expect(draft.conditions[0]).toEqual({ field: "customer.lifetime_value_minor", op: "gt", value: "10000" });
    expect(draft.conditions[1]!.value).toBe("vip, regular");
    expect(draft.actions[1]!.values).toEqual({ title: "Call {{customer.full_name}} back", due_in_hours: "4", priority: "high" });
    expect(draft.actions[2]!.rest).toEqual({ id: "a3", template: "{{customer.full_name}} is unhappy" });
    const body = toAutomation(draft);
    expect(body.trigger).toEqual(saved.trigger);
    expect(body.conditions).toEqual(saved.conditions);
    expect(body.actions).toEqual(saved.actions);
    expect(body.cooldown_seconds).toBe(600);
  });

  it("sends `to` only for triggers that take one, and no cool-down when left empty", () => {
    expect(toAutomation({ ...EMPTY_DRAFT, trigger: "customer.tag_added", to: " vip " }).trigger).toEqual({ type: "customer.tag_added", to: "vip" });
    expect(toAutomation({ ...EMPTY_DRAFT, trigger: "manual", to: "vip" }).trigger).toEqual({ type: "manual" });
    expect(toAutomation(EMPTY_DRAFT).cooldown_seconds).toBeNull();
  });

  it("leaves empty action fields out", () => {
    const draft = { ...EMPTY_DRAFT, actions: [{ type: "create_task", values: { title: "Call", due_in_hours: "", priority: "" }, rest: {} }] };
    expect(toAutomation(draft).actions).toEqual([{ type: "create_task", title: "Call" }]);
  });

  it("places the server's field errors on the editor's inputs", () => {
    expect(
      errorsByPath([
        { field: "actions[1].tag", message: "required" },
        { field: "conditions[0].op", message: "unknown operator" },
        { field: "conditions[0].value", message: "not a number" },
        { field: "trigger.type", message: "unknown trigger" },
        { field: "body.name", message: "too long" },
      ]),
    ).toEqual({
      "actions.1.tag": "required",
      "conditions.0": "unknown operator; not a number",
      trigger: "unknown trigger",
      name: "too long",
    });
  });

  it("describes triggers", () => {
    expect(triggerLabel({ type: "customer.tag_added", to: "vip" })).toBe("Tag added → vip");
    expect(triggerLabel({ type: "sentiment.turned_frustrated" })).toBe("Turned Frustrated");
  });
});
