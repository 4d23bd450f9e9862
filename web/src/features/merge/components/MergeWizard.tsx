import { Alert, Badge, Button, Group, List, Loader, Modal, Paper, Radio, SimpleGrid, Stack, Stepper, Table, Text } from "@mantine/core";
import { useCallback, useEffect, useRef, useState } from "react";
import { CustomerAvatar } from "@/components/CustomerAvatar";
import { ErrorState } from "@/components/States";
import { useFolders } from "@/lib/api/folders";
import { INTERACTIONS, countOf, formatDate, formatMoney } from "@/lib/format";
import { useMerge, useMergePreview, useOperation, useRefreshAfterMerge } from "../api/merge";
import {
  FIELDS,
  defaultChoices,
  differingFields,
  displayName,
  fieldText,
  mergeBody,
  operationText,
  swapChoices,
  unitedText,
  type Choices,
  type Customer,
  type Side,
} from "../merge";

export interface MergePair {
  survivor: Customer;
  duplicate: Customer;
}

/** Merge two customers: compare them side by side and pick whose value each field keeps, read
 * the server's preview of the survivor, confirm, watch every service move the duplicate's data,
 * then open the survivor. */
export function MergeWizard({ pair, onClose, onMerged }: { pair: MergePair | null; onClose: () => void; onMerged: (survivorId: string) => void }) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={pair !== null} onClose={onClose} title="Merge customers" size="xl">
      {pair && <Wizard key={`${pair.survivor.id}-${pair.duplicate.id}`} initial={pair} onMerged={onMerged} />}
    </Modal>
  );
}

function useFolderName() {
  const folders = useFolders();
  return (id: string) => folders.data?.items.find((f) => f.id === id)?.name ?? "(a folder)";
}

function Wizard({ initial, onMerged }: { initial: MergePair; onMerged: (survivorId: string) => void }) {
  const [pair, setPair] = useState(initial);
  const [choices, setChoices] = useState<Choices>(() => defaultChoices(initial.survivor, initial.duplicate));
  const [step, setStep] = useState(0);
  const [operationId, setOperationId] = useState<string | null>(null);
  const merge = useMerge();
  const { survivor, duplicate } = pair;
  const preview = useMergePreview(survivor.id, duplicate.id, choices, step === 1);

  function swap() {
    setPair({ survivor: duplicate, duplicate: survivor });
    setChoices(swapChoices(choices));
  }

  async function confirm() {
    const op = await merge.mutateAsync({ survivorId: survivor.id, body: mergeBody(duplicate.id, choices) }).catch(() => null);
    if (op) {
      setOperationId(op.id);
      setStep(2);
    }
  }

  return (
    <Stack gap="md">
      <Stepper active={step} size="sm" allowNextStepsSelect={false} onStepClick={(s) => step < 2 && setStep(s)}>
        <Stepper.Step label="Compare and pick" />
        <Stepper.Step label="Preview" />
        <Stepper.Step label="Merge" />
      </Stepper>
      {step === 0 && <Compare pair={pair} choices={choices} onChoose={setChoices} onSwap={swap} onNext={() => setStep(1)} />}
      {step === 1 && (
        <Stack gap="sm">
          {preview.isPending ? (
            <Group gap="xs" role="status">
              <Loader size="xs" aria-hidden />
              <Text size="sm">Working out the merged profile…</Text>
            </Group>
          ) : preview.isError ? (
            <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
          ) : (
            <Preview result={preview.data.result} survivor={survivor} duplicate={duplicate} />
          )}
          {merge.error && (
            <Alert color="red" role="alert" p="xs">
              {merge.error.message}
            </Alert>
          )}
          <Group justify="space-between">
            <Button variant="default" onClick={() => setStep(0)}>
              Back
            </Button>
            <Button color="red.9" onClick={() => void confirm()} loading={merge.isPending} disabled={!preview.isSuccess || preview.isPlaceholderData}>
              Merge {displayName(duplicate)} into {displayName(survivor)}
            </Button>
          </Group>
        </Stack>
      )}
      {step === 2 && operationId && <Progress operationId={operationId} survivor={survivor} onMerged={onMerged} />}
    </Stack>
  );
}

function Summary({ customer, role }: { customer: Customer; role: string }) {
  const contact = customer.phones[0]?.number ?? customer.emails[0]?.address ?? "no contact details";
  return (
    <Group gap="sm" wrap="nowrap" align="flex-start">
      <CustomerAvatar id={customer.id} firstName={customer.first_name} lastName={customer.last_name} color={customer.avatar_color} />
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text fw={700} size="sm">
          {displayName(customer)}
        </Text>
        <Text size="xs" c="dimmed">
          {role}
        </Text>
        <Text size="xs">{contact}</Text>
        <Text size="xs" c="dimmed">
          Since {formatDate(customer.created_at)} · LTV {formatMoney(customer.lifetime_value_minor, customer.currency)} ·{" "}
          {countOf(customer.interactions_count, INTERACTIONS)}
        </Text>
      </Stack>
    </Group>
  );
}

function Compare({ pair, choices, onChoose, onSwap, onNext }: {
  pair: MergePair;
  choices: Choices;
  onChoose: (c: Choices) => void;
  onSwap: () => void;
  onNext: () => void;
}) {
  const { survivor, duplicate } = pair;
  const folderName = useFolderName();
  const differing = differingFields(survivor, duplicate);
  const same = FIELDS.filter((f) => !differing.includes(f.field) && fieldText(survivor, f.field) !== "");
  return (
    <Stack gap="sm">
      <Radio.Group
        label="Which profile stays"
        description="The other one is merged into it: its conversations, bookings, payments, loyalty, tasks and notes move over, and it is removed."
        value={survivor.id}
        onChange={(id) => id !== survivor.id && onSwap()}
      >
        <SimpleGrid cols={2} mt="xs">
          {[survivor, duplicate].map((c) => (
            <Paper key={c.id} withBorder p="xs" radius="md" bg={c.id === survivor.id ? "blue.0" : undefined}>
              <Radio value={c.id} aria-label={`Keep ${displayName(c)}`} label={<Summary customer={c} role={c.id === survivor.id ? "Stays" : "Merged in, then removed"} />} />
            </Paper>
          ))}
        </SimpleGrid>
      </Radio.Group>
      {differing.length === 0 ? (
        <Text size="sm">The two profiles agree on every single-valued field: nothing to pick.</Text>
      ) : (
        <Stack gap={6}>
          <Text size="sm" fw={600}>
            They differ on {countOf(differing.length, { one: "field", other: "fields" })}: pick the value to keep
          </Text>
          {FIELDS.filter((f) => differing.includes(f.field)).map(({ field, label }) => (
            <Radio.Group
              key={field}
              label={label}
              value={choices[field] ?? "survivor"}
              onChange={(side) => onChoose({ ...choices, [field]: side as Side })}
            >
              <SimpleGrid cols={2} mt={4}>
                {(["survivor", "duplicate"] as const).map((side) => {
                  const text = fieldText(side === "survivor" ? survivor : duplicate, field, folderName);
                  return <Radio key={side} value={side} label={text || "(empty)"} styles={{ label: { overflowWrap: "anywhere" } }} />;
                })}
              </SimpleGrid>
            </Radio.Group>
          ))}
        </Stack>
      )}
      {same.length > 0 && (
        <Text size="xs" c="dimmed">
          The same on both: {same.map((f) => `${f.label} ${fieldText(survivor, f.field, folderName)}`).join(" · ")}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        Phones, emails, addresses, tags and assigned workers of both are kept.
      </Text>
      <Group justify="flex-end">
        <Button onClick={onNext}>Preview the merge</Button>
      </Group>
    </Stack>
  );
}

function Preview({ result, survivor, duplicate }: { result: Customer; survivor: Customer; duplicate: Customer }) {
  const folderName = useFolderName();
  const rows = FIELDS.map(({ field, label }) => ({ label, value: fieldText(result, field, folderName) })).filter((r) => r.value);
  return (
    <Stack gap="sm">
      <Text size="sm">
        After the merge <b>{displayName(result)}</b> holds both profiles. {displayName(duplicate)}’s conversations, bookings, invoices and payments,
        loyalty, tasks and notes move to it; lifetime value and sentiment are worked out again from both. {displayName(duplicate)}’s profile is removed
        and links to it open {displayName(survivor)}. This cannot be undone.
      </Text>
      <Table fz="sm" withTableBorder aria-label="The merged profile" verticalSpacing={4}>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.label}>
              <Table.Th scope="row" w={200}>
                {r.label}
              </Table.Th>
              <Table.Td style={{ overflowWrap: "anywhere" }}>{r.value}</Table.Td>
            </Table.Tr>
          ))}
          {unitedText(survivor, duplicate).map((u) => (
            <Table.Tr key={u.label}>
              <Table.Th scope="row">{u.label}</Table.Th>
              <Table.Td>
                {u.values.length ? (
                  <Group gap={4}>
                    {u.values.map((v) => (
                      <Badge key={v} variant="default" tt="none">
                        {v}
                      </Badge>
                    ))}
                  </Group>
                ) : (
                  "—"
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function Progress({ operationId, survivor, onMerged }: { operationId: string; survivor: Customer; onMerged: (survivorId: string) => void }) {
  const operation = useOperation(operationId);
  const refresh = useRefreshAfterMerge();
  const done = operation.data?.status === "completed";
  // Lands once: when every service is done, or earlier when staff ask.
  const landed = useRef(false);
  const land = useCallback(() => {
    if (landed.current) return;
    landed.current = true;
    void refresh();
    onMerged(survivor.id);
  }, [refresh, onMerged, survivor.id]);
  useEffect(() => {
    if (done) land();
  }, [done, land]);
  return (
    <Stack gap="sm">
      <Group gap="xs" role="status" aria-live="polite">
        {!done && <Loader size="xs" aria-hidden />}
        <Text size="sm">{operation.data ? operationText(operation.data) : "Merging…"}</Text>
      </Group>
      {operation.isError && <ErrorState error={operation.error} onRetry={() => void operation.refetch()} />}
      {operation.data && (
        <List size="sm" spacing={2}>
          {operation.data.steps.map((s) => (
            <List.Item key={s.service}>
              {s.service}: {s.status === "completed" ? "done" : "moving…"}
            </List.Item>
          ))}
        </List>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={land}>
          Open {displayName(survivor)} now
        </Button>
      </Group>
    </Stack>
  );
}
