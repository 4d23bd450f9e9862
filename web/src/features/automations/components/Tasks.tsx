import { Alert, Badge, Button, Checkbox, Group, SegmentedControl, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { Section } from "@/components/Section";
import { formatDateTime, titleCase } from "@/lib/format";
import { useCreateTask, useTasks, useUpdateTask, type Task } from "../api/automations";
import { TONES } from "@/lib/tones";

const PRIORITY_COLOR: Record<Task["priority"], string> = { low: TONES.muted, normal: TONES.info, high: TONES.bad };

function TaskRow({ task, customer }: { task: Task; customer?: React.ReactNode }) {
  const update = useUpdateTask();
  const overdue = task.status === "open" && task.due_at !== null && new Date(task.due_at) < new Date();
  return (
    <li>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <Checkbox
          mt={2}
          aria-label={`Done: ${task.title}`}
          checked={task.status === "done"}
          disabled={task.status === "cancelled" || update.isPending}
          onChange={(e) => update.mutate({ id: task.id, patch: { status: e.currentTarget.checked ? "done" : "open" } })}
        />
        <div style={{ flex: 1, minWidth: 0 }}>
          <Text size="sm" fw={600} td={task.status === "done" ? "line-through" : undefined}>
            {task.title}
          </Text>
          <Text size="xs" c={overdue ? "red.9" : "dimmed"}>
            {task.due_at ? `Due ${formatDateTime(task.due_at)}` : "No due date"}
            {overdue ? " · overdue" : ""}
            {task.owner_id ? ` · ${task.owner_id}` : ""}
            {task.run_id ? " · from an automation" : ""}
          </Text>
          {customer}
          {update.error && (
            <Text size="xs" c="red.9" role="alert">
              {update.error.message}
            </Text>
          )}
        </div>
        <Badge size="xs" variant="filled" color={PRIORITY_COLOR[task.priority]}>
          {titleCase(task.priority)}
        </Badge>
      </Group>
    </li>
  );
}

/** The tasks screen: every task of the tenant, open ones first by default. */
export function TasksScreen({ customerName, onOpenCustomer }: { customerName: (id: string) => React.ReactNode; onOpenCustomer: (id: string) => void }) {
  const [status, setStatus] = useState<"open" | "done" | "all">("open");
  const tasks = useTasks({ status: status === "all" ? undefined : status });
  return (
    <Stack gap="sm" p="md" maw={900} component="section" aria-labelledby="tasks-heading">
      <Group justify="space-between">
        <Title order={2} size="h4" id="tasks-heading">
          Tasks
        </Title>
        <SegmentedControl
          size="xs"
          aria-label="Show tasks"
          value={status}
          onChange={(v) => setStatus(v as typeof status)}
          data={[
            { value: "open", label: "Open" },
            { value: "done", label: "Done" },
            { value: "all", label: "All" },
          ]}
        />
      </Group>
      {tasks.isPending ? (
        <Loading label="Loading tasks…" />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : tasks.data.items.length === 0 ? (
        <Empty>No {status === "all" ? "" : `${status} `}tasks.</Empty>
      ) : (
        <Stack gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Tasks">
          {tasks.data.items.map((t) => (
            <TaskRow
              key={t.id}
              task={t}
              customer={
                t.customer_id ? (
                  <Button size="compact-xs" variant="subtle" px={0} onClick={() => onOpenCustomer(t.customer_id!)}>
                    {customerName(t.customer_id)}
                  </Button>
                ) : null
              }
            />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

/** The profile's tasks section: this customer's tasks, and adding one. */
export function CustomerTasks({ customerId }: { customerId: string }) {
  const tasks = useTasks({ customerId });
  const create = useCreateTask();
  const [title, setTitle] = useState("");
  const [due, setDue] = useState("");

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    const dueAt = due ? new Date(due).toISOString() : null;
    const done = await create.mutateAsync({ customer_id: customerId, title: title.trim(), due_at: dueAt, description: "", priority: "normal" }).catch(() => null);
    if (done) {
      setTitle("");
      setDue("");
    }
  }

  const items = [...(tasks.data?.items ?? [])].sort((a, z) => Number(a.status !== "open") - Number(z.status !== "open"));
  return (
    <Section title="Tasks" id="tasks-section-heading">
      <form onSubmit={submit} noValidate aria-label="New task">
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput label="New task" size="xs" placeholder="Call back about the refund" value={title} onChange={(e) => setTitle(e.currentTarget.value)} style={{ flex: 1 }} />
          <TextInput label="Due" size="xs" type="datetime-local" value={due} onChange={(e) => setDue(e.currentTarget.value)} />
          <Button size="xs" type="submit" loading={create.isPending} disabled={!title.trim()}>
            Add task
          </Button>
        </Group>
      </form>
      {create.error && (
        <Alert color="red" role="alert" p="xs" mt={4}>
          {create.error.message}
        </Alert>
      )}
      {tasks.isPending ? (
        <Loading label="Loading tasks…" />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} onRetry={() => void tasks.refetch()} />
      ) : items.length === 0 ? (
        <Empty>No tasks for this customer.</Empty>
      ) : (
        <Stack gap={6} mt="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Customer tasks">
          {items.map((t) => (
            <TaskRow key={t.id} task={t} />
          ))}
        </Stack>
      )}
    </Section>
  );
}
