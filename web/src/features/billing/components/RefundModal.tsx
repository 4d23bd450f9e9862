import { Alert, Button, Group, Modal, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { ApiError, fieldErrorsByInput } from "@/lib/api/problem";
import { formatMoney, minorToInput, toMinor } from "@/lib/format";
import { useRefundPayment, type Payment } from "../api/billing";
import { refundProblem, refundable } from "../bookings";

const INPUTS = ["amount_minor", "reason"] as const;

/** Refunds all or part of a payment (staff who manage billing); one idempotency key per
 * opening, so a double click or a retry refunds once. A refund on a booking that still counts
 * lowers the customer's lifetime value. */
export function RefundModal({ customerId, payment, onClose }: { customerId: string; payment: Payment | null; onClose: () => void }) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={payment !== null} onClose={onClose} title="Refund payment">
      {payment && <RefundForm key={payment.id} customerId={customerId} payment={payment} onClose={onClose} />}
    </Modal>
  );
}

function RefundForm({ customerId, payment, onClose }: { customerId: string; payment: Payment; onClose: () => void }) {
  const refund = useRefundPayment(customerId);
  const left = refundable(payment);
  const [amount, setAmount] = useState(() => minorToInput(left, payment.currency));
  const [reason, setReason] = useState("");
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const minor = toMinor(amount, payment.currency);
  const problem = refundProblem(minor, left);
  const errors = refund.error instanceof ApiError ? fieldErrorsByInput(refund.error.fieldErrors, INPUTS) : null;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (problem || minor === null) return;
    const done = await refund.mutateAsync({ id: payment.id, idempotencyKey, body: { amount_minor: minor, reason: reason.trim() } }).catch(() => null);
    if (done) onClose();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Refund payment">
      <Stack gap="sm">
        <Text size="sm">
          {formatMoney(payment.amount_minor, payment.currency)} paid
          {payment.refunded_minor > 0 ? `, ${formatMoney(payment.refunded_minor, payment.currency)} refunded already` : ""} · up to{" "}
          {formatMoney(left, payment.currency)} can be refunded
        </Text>
        {refund.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
          <Alert color="red" role="alert">
            {refund.error.message}
          </Alert>
        )}
        <TextInput
          label={`Refund amount (${payment.currency})`}
          inputMode="decimal"
          required
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={errors?.byInput.amount_minor ?? (amount ? problem : undefined)}
          data-autofocus
        />
        <Textarea label="Reason" autosize minRows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors?.byInput.reason} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" color="red.9" loading={refund.isPending} disabled={problem !== null}>
            Refund
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
