import { Alert, Badge, Button, Group, Modal, NumberInput, Paper, Select, Stack, Table, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { Section } from "@/components/Section";
import { ApiError, fieldErrorsByInput } from "@/lib/api/problem";
import { formatDateTime } from "@/lib/format";
import { useAdjust, useEnrol, useEnrolments, useLedger, usePrograms, type Enrolment, type Program } from "../api/loyalty";
import { ADJUST_REASONS, REASONS, formatBalance, formatDelta } from "../balance";
import { TONES } from "@/lib/tones";

/** The customer's loyalty programs: balances, expiry, adjusting, the ledger, enrolling. */
export function Loyalty({ customerId }: { customerId: string }) {
  const enrolments = useEnrolments(customerId);
  const programs = usePrograms();
  const [enrolling, setEnrolling] = useState(false);
  const programOf = (e: Enrolment) => programs.data?.items.find((p) => p.id === e.program_id);
  const enrolled = new Set((enrolments.data?.items ?? []).map((e) => e.program_id));
  const open = (programs.data?.items ?? []).filter((p) => !p.archived && !enrolled.has(p.id));

  return (
    <Section
      title="Loyalty"
      id="loyalty-heading"
      action={
        <Button
          size="xs"
          onClick={() => {
            void programs.refetch(); // a program added since shows up
            setEnrolling(true);
          }}
        >
          Add to program
        </Button>
      }
    >
      {enrolments.isPending ? (
        <Loading label="Loading loyalty…" />
      ) : enrolments.isError ? (
        <ErrorState error={enrolments.error} onRetry={() => void enrolments.refetch()} />
      ) : enrolments.data.items.length === 0 ? (
        <Empty>Not in a loyalty program.</Empty>
      ) : (
        <Stack gap="xs">
          {enrolments.data.items.map((e) => (
            <EnrolmentCard key={e.id} customerId={customerId} enrolment={e} program={programOf(e)} />
          ))}
        </Stack>
      )}
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={enrolling} onClose={() => setEnrolling(false)} title="Add to program">
        {enrolling && <EnrolForm customerId={customerId} programs={open} onDone={() => setEnrolling(false)} />}
      </Modal>
    </Section>
  );
}

function EnrolmentCard({ customerId, enrolment: e, program }: { customerId: string; enrolment: Enrolment; program: Program | undefined }) {
  const [showLedger, setShowLedger] = useState(false);
  const [adjusting, setAdjusting] = useState(false);
  const currency = program?.currency;
  const ledger = useLedger(customerId, e.id, showLedger);
  const name = e.program_name || program?.name || "Program";
  return (
    <Paper withBorder p="xs" radius="md" component="article" aria-label={`${name} enrolment`}>
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <div>
          <Group gap={6}>
            <Text size="sm" fw={700}>
              {name}
            </Text>
            {e.status !== "active" && (
              <Badge size="xs" color={TONES.muted} variant="filled">
                {e.status}
              </Badge>
            )}
          </Group>
          <Text size="xl" fw={700} lh={1.2} data-testid="loyalty-balance">
            {formatBalance(e.balance, e.kind, currency)}
          </Text>
          <Text size="xs" c="dimmed">
            {formatBalance(e.lifetime_earned, e.kind, currency)} earned in all
            {e.expires_on ? ` · enrolment ends ${e.expires_on}` : ""}
            {e.next_expiry_at && e.next_expiry_amount > 0
              ? ` · ${formatBalance(e.next_expiry_amount, e.kind, currency)} expire ${formatDateTime(e.next_expiry_at)}`
              : ""}
          </Text>
        </div>
        <Group gap={6} wrap="nowrap">
          {e.status === "active" && (
            <Button size="compact-xs" variant="light" onClick={() => setAdjusting(true)}>
              Adjust balance
            </Button>
          )}
          <Button size="compact-xs" variant="default" onClick={() => setShowLedger((v) => !v)} aria-expanded={showLedger}>
            {showLedger ? "Hide ledger" : "Ledger"}
          </Button>
        </Group>
      </Group>
      {showLedger &&
        (ledger.isPending ? (
          <Loading label="Loading ledger…" />
        ) : ledger.isError ? (
          <ErrorState error={ledger.error} onRetry={() => void ledger.refetch()} />
        ) : (
          <Table fz="xs" verticalSpacing={2} mt={6} aria-label={`${name} ledger`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>What</Table.Th>
                <Table.Th ta="right">Change</Table.Th>
                <Table.Th ta="right">Balance</Table.Th>
                <Table.Th>Note</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ledger.data.items.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>{formatDateTime(entry.created_at)}</Table.Td>
                  <Table.Td>{REASONS[entry.reason] ?? entry.reason}</Table.Td>
                  <Table.Td ta="right">{formatDelta(entry.points, e.kind, currency)}</Table.Td>
                  <Table.Td ta="right">{formatBalance(entry.balance_after, e.kind, currency)}</Table.Td>
                  <Table.Td>{entry.note}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={adjusting} onClose={() => setAdjusting(false)} title={`Adjust ${name}`}>
        {adjusting && <AdjustForm customerId={customerId} enrolment={e} currency={currency} onDone={() => setAdjusting(false)} />}
      </Modal>
    </Paper>
  );
}

const ADJUST_INPUTS = ["points", "reason", "note"] as const;

function AdjustForm({ customerId, enrolment, currency, onDone }: { customerId: string; enrolment: Enrolment; currency: string | undefined; onDone: () => void }) {
  const adjust = useAdjust(customerId, enrolment.id);
  const [points, setPoints] = useState<number | string>("");
  const [reason, setReason] = useState<string>("manual_adjustment");
  const [note, setNote] = useState("");
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const errors = adjust.error instanceof ApiError ? fieldErrorsByInput(adjust.error.fieldErrors, ADJUST_INPUTS) : null;
  const amount = typeof points === "number" ? points : Number.NaN;
  const valid = Number.isInteger(amount) && amount !== 0;
  const unit = enrolment.kind === "credits" ? `${currency ?? ""} minor units` : "points";

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!valid) return;
    const done = await adjust.mutateAsync({ points: amount, reason: reason as (typeof ADJUST_REASONS)[number], note: note.trim(), idempotency_key: idempotencyKey, source_ref: "" }).catch(() => null);
    if (done) onDone();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Adjust balance">
      <Stack gap="sm">
        <Text size="sm">Balance now {formatBalance(enrolment.balance, enrolment.kind, currency)}. A negative amount takes {unit} off.</Text>
        {adjust.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
          <Alert color="red" role="alert">
            {adjust.error.message}
          </Alert>
        )}
        <NumberInput label={`Change (${unit})`} allowDecimal={false} value={points} onChange={setPoints} error={errors?.byInput.points} required data-autofocus />
        <Select label="Reason" allowDeselect={false} data={ADJUST_REASONS.map((r) => ({ value: r, label: REASONS[r]! }))} value={reason} onChange={(v) => v && setReason(v)} error={errors?.byInput.reason} />
        <TextInput label="Note" value={note} onChange={(e) => setNote(e.currentTarget.value)} error={errors?.byInput.note} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={adjust.isPending} disabled={!valid}>
            Save adjustment
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const ENROL_INPUTS = ["program_id", "starting_balance", "expires_on", "notes"] as const;

function EnrolForm({ customerId, programs, onDone }: { customerId: string; programs: Program[]; onDone: () => void }) {
  const enrol = useEnrol(customerId);
  const [programId, setProgramId] = useState<string | null>(programs.length === 1 ? programs[0]!.id : null);
  const [starting, setStarting] = useState<number | string>(0);
  const [expires, setExpires] = useState("");
  const [notes, setNotes] = useState("");
  const errors = enrol.error instanceof ApiError ? fieldErrorsByInput(enrol.error.fieldErrors, ENROL_INPUTS) : null;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!programId) return;
    const done = await enrol
      .mutateAsync({ program_id: programId, starting_balance: typeof starting === "number" ? starting : 0, expires_on: expires || null, notes: notes.trim() })
      .catch(() => null);
    if (done) onDone();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Add to program">
      <Stack gap="sm">
        {enrol.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
          <Alert color="red" role="alert">
            {enrol.error.message}
          </Alert>
        )}
        <Select
          label="Program"
          required
          placeholder="Choose a program"
          data={programs.map((p) => ({ value: p.id, label: `${p.name} (${p.kind})` }))}
          value={programId}
          onChange={setProgramId}
          error={errors?.byInput.program_id}
          nothingFoundMessage="No program to join"
          data-autofocus
        />
        <NumberInput label="Starting balance" allowDecimal={false} allowNegative={false} value={starting} onChange={setStarting} error={errors?.byInput.starting_balance} />
        <TextInput label="Enrolment ends on" description="Leave empty for no end date" type="date" value={expires} onChange={(e) => setExpires(e.currentTarget.value)} error={errors?.byInput.expires_on} />
        <Textarea label="Enrolment notes" autosize minRows={2} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} error={errors?.byInput.notes} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={enrol.isPending} disabled={!programId}>
            Enrol
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
