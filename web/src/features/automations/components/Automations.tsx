import { Alert, Badge, Button, Group, Paper, ScrollArea, Stack, Switch, Text, Title, UnstyledButton } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { countOf, relativeTime } from "@/lib/format";
import { useAutomations, useSetEnabled, type Automation } from "../api/automations";
import { triggerLabel } from "../workflow";
import { RunHistory } from "./RunHistory";
import { WorkflowEditor } from "./WorkflowEditor";
import { TONES } from "@/lib/tones";

interface Props {
  customerName: (id: string) => React.ReactNode;
  onOpenCustomer: (id: string) => void;
}

/** The automations screen: the tenant's workflows on the left; the chosen one's run history,
 * or the editor, on the right. */
export function Automations({ customerName, onOpenCustomer }: Props) {
  const automations = useAutomations();
  const toggle = useSetEnabled();
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState<"new" | "edit" | null>(null);
  const items = automations.data?.items ?? [];
  const current = items.find((a) => a.id === selected) ?? (editing === "new" ? null : items[0] ?? null);

  function saved(a: Automation) {
    setSelected(a.id);
    setEditing(null);
  }

  return (
    <div style={{ display: "grid", gridTemplateColumns: "360px 1fr", gap: 12, padding: 12, height: "100%", minHeight: 0 }}>
      <Paper withBorder radius="md" p="sm" component="section" aria-labelledby="automations-heading" style={{ display: "flex", flexDirection: "column", minHeight: 0 }}>
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4" id="automations-heading">
            Automations
          </Title>
          <Button size="xs" onClick={() => { setSelected(null); setEditing("new"); }}>
            New automation
          </Button>
        </Group>
        {toggle.error && (
          <Alert color="red" role="alert" p="xs" mb="xs">
            {toggle.error.message}
          </Alert>
        )}
        <ScrollArea style={{ flex: 1 }}>
          {automations.isPending ? (
            <Loading label="Loading automations…" />
          ) : automations.isError ? (
            <ErrorState error={automations.error} onRetry={() => void automations.refetch()} />
          ) : items.length === 0 ? (
            <Empty>No automations yet. Create one to tag, task or message customers when something happens.</Empty>
          ) : (
            <Stack gap={6} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Workflows">
              {items.map((a) => (
                <li key={a.id}>
                  <Paper withBorder p={8} radius="sm" bg={current?.id === a.id && editing !== "new" ? "blue.0" : undefined}>
                    <Group justify="space-between" wrap="nowrap" align="flex-start">
                      <UnstyledButton onClick={() => { setSelected(a.id); setEditing(null); }} aria-current={current?.id === a.id ? "true" : undefined} style={{ flex: 1, minWidth: 0 }}>
                        <Text size="sm" fw={700} truncate>
                          {a.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {triggerLabel(a.trigger)} · {countOf(a.actions.length, { one: "action", other: "actions" })}
                        </Text>
                        <Text size="xs" c="dimmed">
                          Last run {relativeTime(a.last_run_at)}
                        </Text>
                      </UnstyledButton>
                      <Switch aria-label={`${a.name} enabled`} checked={a.enabled} onChange={(e) => toggle.mutate({ id: a.id, enabled: e.currentTarget.checked })} />
                    </Group>
                  </Paper>
                </li>
              ))}
            </Stack>
          )}
        </ScrollArea>
      </Paper>
      <Paper withBorder radius="md" p="sm" component="section" aria-label="Automation" style={{ overflowY: "auto", minHeight: 0 }}>
        {editing ? (
          <WorkflowEditor key={editing === "new" ? "new" : current?.id} automation={editing === "new" ? null : current} onSaved={saved} onCancel={() => setEditing(null)} />
        ) : current ? (
          <Stack gap="sm">
            <Group justify="space-between" align="flex-start">
              <div>
                <Group gap="xs">
                  <Title order={3} size="h4">
                    {current.name}
                  </Title>
                  <Badge variant="filled" color={current.enabled ? TONES.good : TONES.muted}>
                    {current.enabled ? "Enabled" : "Disabled"}
                  </Badge>
                </Group>
                <Text size="sm" c="dimmed">
                  {current.description || "No description."}
                </Text>
                <Text size="sm">When: {triggerLabel(current.trigger)}</Text>
              </div>
              <Button size="xs" variant="default" onClick={() => setEditing("edit")}>
                Edit
              </Button>
            </Group>
            <Title order={4} size="h5">
              Run history
            </Title>
            <RunHistory automationId={current.id} customerName={customerName} onOpenCustomer={onOpenCustomer} />
          </Stack>
        ) : (
          <Text c="dimmed">Choose an automation, or create one.</Text>
        )}
      </Paper>
    </div>
  );
}
