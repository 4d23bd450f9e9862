import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { ApiError, fieldErrorsByInput } from "@/lib/api/problem";
import { formatMoney, minorToInput, toMinor } from "@/lib/format";
import type { Schemas } from "@/lib/api/client";
import { useRecordPayment } from "../api/billing";

const METHODS: { value: Schemas["PaymentIn"]["method"]; label: string }[] = [
  { value: "card", label: "Card" },
  { value: "cash", label: "Cash" },
  { value: "transfer", label: "Bank transfer" },
  { value: "wallet", label: "Wallet" },
  { value: "other", label: "Other" },
];
const INPUTS = ["amount_minor", "method", "currency"] as const;

export interface PaymentTarget {
  /** What is being paid, as staff read it: "Haircut on 8 Dec", "Invoice INV-0003". */
  title: string;
  bookingId?: string;
  invoiceId?: string;
  dueMinor: number;
  currency: string;
}

/** Takes a payment for a booking or an invoice; one idempotency key per opening, so a double
 * click or a retry after a timeout records it once. */
export function PaymentModal({ customerId, target, onClose }: { customerId: string; target: PaymentTarget | null; onClose: () => void }) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={target !== null} onClose={onClose} title="Take payment">
      {target && <PaymentForm key={`${target.bookingId ?? ""}${target.invoiceId ?? ""}`} customerId={customerId} target={target} onClose={onClose} />}
    </Modal>
  );
}

function PaymentForm({ customerId, target, onClose }: { customerId: string; target: PaymentTarget; onClose: () => void }) {
  const record = useRecordPayment(customerId);
  const [amount, setAmount] = useState(() => minorToInput(target.dueMinor, target.currency));
  const [method, setMethod] = useState<Schemas["PaymentIn"]["method"]>("card");
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const minor = toMinor(amount, target.currency);
  const errors = record.error instanceof ApiError ? fieldErrorsByInput(record.error.fieldErrors, INPUTS) : null;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (minor === null || minor <= 0) return;
    const done = await record
      .mutateAsync({
        idempotencyKey,
        body: {
          customer_id: customerId,
          amount_minor: minor,
          currency: target.currency,
          method,
          booking_id: target.bookingId ?? null,
          invoice_id: target.invoiceId ?? null,
          status: "succeeded",
          failure_code: "",
          failure_message: "",
        },
      })
      .catch(() => null);
    if (done) onClose();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Take payment">
      <Stack gap="sm">
        <Text size="sm">
          {target.title} · due {formatMoney(target.dueMinor, target.currency)}
        </Text>
        {record.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
          <Alert color="red" role="alert">
            {record.error.message}
          </Alert>
        )}
        <TextInput
          label={`Amount (${target.currency})`}
          inputMode="decimal"
          required
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={errors?.byInput.amount_minor ?? (amount && (minor === null || minor <= 0) ? "Enter an amount above zero" : undefined)}
          data-autofocus
        />
        <Select
          label="Method"
          allowDeselect={false}
          data={METHODS}
          value={method}
          onChange={(v) => v && setMethod(v as Schemas["PaymentIn"]["method"])}
          error={errors?.byInput.method}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={record.isPending} disabled={minor === null || minor <= 0}>
            Record payment
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
