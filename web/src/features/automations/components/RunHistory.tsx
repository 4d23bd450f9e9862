import { Badge, Button, Group, Stack, Table, Text } from "@mantine/core";
import { Fragment, useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { countOf, formatDateTime, titleCase } from "@/lib/format";
import { useRuns, type Run } from "../api/automations";
import { TONES } from "@/lib/tones";

export const RUN_COLOR: Record<Run["status"], string> = {
  pending: TONES.muted,
  running: TONES.info,
  waiting: TONES.warn,
  succeeded: TONES.good,
  failed: TONES.bad,
  skipped: TONES.muted,
  cancelled: TONES.muted,
};

/** A workflow's runs, newest first: who, when, the outcome; each run's steps on demand. */
export function RunHistory({ automationId, customerName, onOpenCustomer }: { automationId: string; customerName: (id: string) => React.ReactNode; onOpenCustomer: (id: string) => void }) {
  const runs = useRuns(automationId);
  const [open, setOpen] = useState<string | null>(null);
  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0) return <Empty>It has not run yet.</Empty>;
  return (
    <Table fz="sm" verticalSpacing={4} aria-label="Run history">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Customer</Table.Th>
          <Table.Th>Started by</Table.Th>
          <Table.Th>Outcome</Table.Th>
          <Table.Th>Steps</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {runs.data.items.map((r) => (
          <Fragment key={r.id}>
            <Table.Tr>
              <Table.Td>{formatDateTime(r.created_at)}</Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="subtle" onClick={() => onOpenCustomer(r.customer_id)}>
                  {customerName(r.customer_id)}
                </Button>
              </Table.Td>
              <Table.Td>{r.started_by ? "Run by hand" : titleCase(r.trigger.replace(/\./g, "_"))}</Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <Badge size="sm" variant="filled" color={RUN_COLOR[r.status]}>
                    {titleCase(r.status)}
                  </Badge>
                  {r.error && (
                    <Text size="xs" c="red.9" lineClamp={1}>
                      {r.error}
                    </Text>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="default" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
                  {countOf(r.steps.length, { one: "step", other: "steps" })}
                </Button>
              </Table.Td>
            </Table.Tr>
            {open === r.id && (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Stack gap={2} component="ol" style={{ margin: 0, paddingLeft: 20 }}>
                    {r.steps.map((s) => (
                      <li key={s.index}>
                        <Text size="xs">
                          {titleCase(s.type)} — {titleCase(s.status)}
                          {s.detail ? `: ${s.detail}` : ""}
                          {s.attempts > 1 ? ` (${s.attempts} attempts)` : ""}
                        </Text>
                      </li>
                    ))}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            )}
          </Fragment>
        ))}
      </Table.Tbody>
    </Table>
  );
}
