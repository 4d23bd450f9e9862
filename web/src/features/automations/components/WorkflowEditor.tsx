import { ActionIcon, Alert, Button, Group, NumberInput, Paper, Select, Stack, Switch, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/lib/api/problem";
import { titleCase } from "@/lib/format";
import { useSaveAutomation, type Automation } from "../api/automations";
import { ACTIONS, EMPTY_DRAFT, OPERATORS, OPERATOR_LABELS, TRIGGERS, errorsByPath, fromAutomation, toAutomation, type ActionDraft, type Draft } from "../workflow";

/** Create or edit a workflow: trigger, conditions, ordered actions; the server's 422 is shown on
 * the input it names. */
export function WorkflowEditor({ automation, onSaved, onCancel }: { automation: Automation | null; onSaved: (a: Automation) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => (automation ? fromAutomation(automation) : EMPTY_DRAFT));
  const save = useSaveAutomation();
  const errors = save.error instanceof ApiError ? errorsByPath(save.error.fieldErrors) : {};
  const trigger = TRIGGERS.find((t) => t.value === draft.trigger);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const setAction = (i: number, next: ActionDraft) => set({ actions: draft.actions.map((a, j) => (j === i ? next : a)) });

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const saved = await save.mutateAsync({ id: automation?.id ?? null, body: toAutomation(draft) }).catch(() => null);
    if (saved) onSaved(saved);
  }

  return (
    <form onSubmit={submit} noValidate aria-label={automation ? `Edit ${automation.name}` : "New automation"}>
      <Stack gap="sm">
        <Title order={3} size="h5">
          {automation ? `Edit “${automation.name}”` : "New automation"}
        </Title>
        {save.error && (
          <Alert color="red" role="alert" p="xs">
            {save.error.message}
          </Alert>
        )}
        <Group grow align="flex-start">
          <TextInput label="Name" required value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={errors.name} data-autofocus />
          <NumberInput
            label="Cool-down (seconds)"
            description="Per customer; empty: 600"
            allowDecimal={false}
            allowNegative={false}
            value={draft.cooldown === "" ? "" : Number(draft.cooldown)}
            onChange={(v) => set({ cooldown: String(v) })}
            error={errors.cooldown_seconds}
          />
        </Group>
        <Textarea label="Description" autosize minRows={1} value={draft.description} onChange={(e) => set({ description: e.currentTarget.value })} error={errors.description} />
        <Group grow align="flex-start">
          <Select label="When" allowDeselect={false} data={TRIGGERS.map(({ value, label }) => ({ value, label }))} value={draft.trigger} onChange={(v) => v && set({ trigger: v })} error={errors.trigger} />
          {trigger?.takesTo ? <TextInput label={trigger.takesTo} description="Empty: any" value={draft.to} onChange={(e) => set({ to: e.currentTarget.value })} /> : <div />}
        </Group>
        <Paper withBorder p="xs" radius="md" component="fieldset" style={{ margin: 0 }}>
          <Text component="legend" size="sm" fw={600} px={4}>
            Only if (all hold)
          </Text>
          <Stack gap={6}>
            {draft.conditions.length === 0 && (
              <Text size="xs" c="dimmed">
                No conditions: every trigger runs it.
              </Text>
            )}
            {draft.conditions.map((c, i) => (
              <Group key={i} gap={6} align="flex-start" wrap="nowrap">
                <TextInput aria-label={`Condition ${i + 1} field`} placeholder="customer.lifecycle_stage" value={c.field} style={{ flex: 2 }} error={errors[`conditions.${i}`]}
                  onChange={(e) => set({ conditions: draft.conditions.map((x, j) => (j === i ? { ...x, field: e.currentTarget.value } : x)) })} />
                <Select aria-label={`Condition ${i + 1} operator`} allowDeselect={false} data={OPERATORS.map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))} value={c.op} w={150}
                  onChange={(v) => v && set({ conditions: draft.conditions.map((x, j) => (j === i ? { ...x, op: v } : x)) })} />
                <TextInput aria-label={`Condition ${i + 1} value`} placeholder={c.op === "in" ? "a, b, c" : "value"} value={c.value} style={{ flex: 1 }} disabled={c.op === "is_set" || c.op === "is_not_set"}
                  onChange={(e) => set({ conditions: draft.conditions.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)) })} />
                <ActionIcon variant="subtle" color="red.9" aria-label={`Remove condition ${i + 1}`} onClick={() => set({ conditions: draft.conditions.filter((_, j) => j !== i) })}>
                  <span aria-hidden>✕</span>
                </ActionIcon>
              </Group>
            ))}
            <Button size="compact-xs" variant="subtle" style={{ alignSelf: "flex-start" }} onClick={() => set({ conditions: [...draft.conditions, { field: "", op: "eq", value: "" }] })}>
              Add condition
            </Button>
          </Stack>
        </Paper>
        <Paper withBorder p="xs" radius="md" component="fieldset" style={{ margin: 0 }}>
          <Text component="legend" size="sm" fw={600} px={4}>
            Then, in order
          </Text>
          <Stack gap={8}>
            {draft.actions.map((a, i) => (
              <ActionRow key={i} index={i} action={a} errors={errors} onChange={(next) => setAction(i, next)}
                onRemove={draft.actions.length > 1 ? () => set({ actions: draft.actions.filter((_, j) => j !== i) }) : undefined} />
            ))}
            {errors.actions && (
              <Text size="xs" c="red.9">
                {errors.actions}
              </Text>
            )}
            <Button size="compact-xs" variant="subtle" style={{ alignSelf: "flex-start" }} onClick={() => set({ actions: [...draft.actions, { type: "add_tag", values: {}, rest: {} }] })}>
              Add action
            </Button>
          </Stack>
        </Paper>
        <Switch label="Enabled" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!draft.name.trim()}>
            Save automation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ActionRow({ index, action, errors, onChange, onRemove }: {
  index: number;
  action: ActionDraft;
  errors: Record<string, string>;
  onChange: (next: ActionDraft) => void;
  onRemove: (() => void) | undefined;
}) {
  const spec = ACTIONS[action.type];
  const n = index + 1;
  return (
    <Paper withBorder p={6} radius="sm" role="group" aria-label={`Action ${n}`}>
      <Group gap={6} align="flex-start" wrap="nowrap">
        <Text size="sm" fw={700} pt={6} w={18}>
          {n}.
        </Text>
        <Stack gap={4} style={{ flex: 1 }}>
          <Select aria-label={`Action ${n} type`} allowDeselect={false} data={Object.entries(ACTIONS).map(([value, s]) => ({ value, label: s.label }))} value={action.type}
            onChange={(v) => v && onChange({ type: v, values: {}, rest: {} })} error={errors[`actions.${index}`] ?? errors[`actions.${index}.type`]} />
          <Group gap={6} align="flex-start">
            {spec?.fields.map((f) => {
              const label = `${f.label}`;
              const value = action.values[f.name] ?? "";
              const error = errors[`actions.${index}.${f.name}`];
              const change = (v: string) => onChange({ ...action, values: { ...action.values, [f.name]: v } });
              // Text gets the room (a task title, a message); numbers and choices stay narrow.
              const style = { flex: f.kind === "number" || f.kind === "choice" ? "1 1 110px" : "3 1 220px" };
              if (f.kind === "choice")
                return <Select key={f.name} label={label} size="xs" style={style} clearable placeholder="Default" data={(f.choices ?? []).map((c) => ({ value: c, label: titleCase(c) }))} value={value || null} onChange={(v) => change(v ?? "")} error={error} />;
              if (f.kind === "long")
                return <Textarea key={f.name} label={label} size="xs" style={style} autosize minRows={1} value={value} onChange={(e) => change(e.currentTarget.value)} error={error} />;
              return <TextInput key={f.name} label={label} size="xs" style={style} inputMode={f.kind === "number" ? "numeric" : undefined} value={value} onChange={(e) => change(e.currentTarget.value)} error={error} />;
            })}
          </Group>
        </Stack>
        {onRemove && (
          <ActionIcon variant="subtle" color="red.9" aria-label={`Remove action ${n}`} onClick={onRemove}>
            <span aria-hidden>✕</span>
          </ActionIcon>
        )}
      </Group>
    </Paper>
  );
}
