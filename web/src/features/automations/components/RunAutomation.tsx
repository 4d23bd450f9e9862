import { Alert, Badge, Button, Group, Select, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { Section } from "@/components/Section";
import { titleCase } from "@/lib/format";
import { useAutomations, useRunAutomation, useRuns } from "../api/automations";
import { RUN_COLOR } from "./RunHistory";

/** Right panel: run a workflow for this customer now (its conditions are still checked), and
 * the outcome of its last run for them. */
export function RunAutomation({ customerId }: { customerId: string }) {
  const automations = useAutomations();
  const run = useRunAutomation(customerId);
  const [chosen, setChosen] = useState<string | null>(null);
  const runs = useRuns(run.data ? chosen : null, customerId);
  const last = runs.data?.items[0] ?? run.data;
  const items = automations.data?.items ?? [];
  const manual = items.filter((a) => a.trigger.type === "manual");
  const data = [
    ...(manual.length ? [{ group: "Run by hand", items: manual.map((a) => ({ value: a.id, label: a.name })) }] : []),
    ...(items.length > manual.length ? [{ group: "Other workflows", items: items.filter((a) => a.trigger.type !== "manual").map((a) => ({ value: a.id, label: a.name })) }] : []),
  ];

  return (
    <Section title="Run automation" id="run-automation-heading">
      <Stack gap="xs">
        <Group gap="xs" wrap="nowrap" align="flex-end">
          <Select
            aria-label="Automation to run"
            placeholder={automations.isPending ? "Loading…" : "Choose a workflow"}
            data={data}
            value={chosen}
            onChange={(v) => {
              setChosen(v);
              run.reset();
            }}
            style={{ flex: 1 }}
            nothingFoundMessage="No automations"
          />
          <Button size="sm" variant="light" disabled={!chosen} loading={run.isPending} onClick={() => chosen && run.mutate({ automationId: chosen, idempotencyKey: crypto.randomUUID() })}>
            Run
          </Button>
        </Group>
        {run.error && (
          <Alert color="red" role="alert" p="xs">
            {run.error.message}
          </Alert>
        )}
        {last && (
          <Text size="xs" role="status">
            Last run: <Badge size="xs" variant="filled" color={RUN_COLOR[last.status]}>{titleCase(last.status)}</Badge>
            {last.error ? ` — ${last.error}` : ""}
          </Text>
        )}
      </Stack>
    </Section>
  );
}
