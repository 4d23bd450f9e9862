import { Badge, Button, Group, Stack, Table, Text, VisuallyHidden } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { Section } from "@/components/Section";
import { formatDateTime, formatMoney, titleCase } from "@/lib/format";
import { useInvoices, usePayments, type Invoice, type Payment } from "../api/billing";
import { PaymentModal, type PaymentTarget } from "./PaymentModal";
import { RefundModal } from "./RefundModal";
import { refundable } from "../bookings";
import { TONES } from "@/lib/tones";

const INVOICE_COLOR: Record<Invoice["status"], string> = {
  draft: TONES.muted,
  open: TONES.info,
  paid: TONES.good,
  overdue: TONES.bad,
  void: TONES.muted,
};
const PAYMENT_COLOR: Record<Payment["status"], string> = {
  succeeded: TONES.good,
  failed: TONES.bad,
  refunded: TONES.muted,
  partially_refunded: TONES.warn,
};
const METHOD: Record<Payment["method"], string> = { card: "Card", cash: "Cash", transfer: "Transfer", wallet: "Wallet", other: "Other" };

/** The customer's invoices (with what is due, and taking a payment on one) and payments
 * (refunding one, for staff who manage billing). */
export function InvoicesPayments({ customerId, canRefund }: { customerId: string; canRefund: boolean }) {
  const invoices = useInvoices(customerId);
  const payments = usePayments(customerId);
  const [paying, setPaying] = useState<PaymentTarget | null>(null);
  const [refunding, setRefunding] = useState<Payment | null>(null);

  return (
    <Section title="Invoices and payments" id="billing-heading">
      <Stack gap="sm">
        <div>
          <Text size="sm" fw={600} mb={4}>
            Invoices
          </Text>
          {invoices.isPending ? (
            <Loading label="Loading invoices…" />
          ) : invoices.isError ? (
            <ErrorState error={invoices.error} onRetry={() => void invoices.refetch()} />
          ) : invoices.data.items.length === 0 ? (
            <Empty>No invoices.</Empty>
          ) : (
            <Table fz="sm" verticalSpacing={4} aria-label="Invoices">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Invoice</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Total</Table.Th>
                  <Table.Th ta="right">Due</Table.Th>
                  <Table.Th>Due date</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {invoices.data.items.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>{i.number ?? "Draft"}</Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="filled" color={INVOICE_COLOR[i.status]}>
                        {titleCase(i.status)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">{formatMoney(i.total_minor, i.currency)}</Table.Td>
                    <Table.Td ta="right">{formatMoney(i.amount_due_minor, i.currency)}</Table.Td>
                    <Table.Td>{i.due_at ? formatDateTime(i.due_at) : "—"}</Table.Td>
                    <Table.Td>
                      {(i.status === "open" || i.status === "overdue") && i.amount_due_minor > 0 && (
                        <Button
                          size="compact-xs"
                          variant="light"
                          onClick={() => setPaying({ title: `Invoice ${i.number ?? ""}`.trim(), invoiceId: i.id, dueMinor: i.amount_due_minor, currency: i.currency })}
                        >
                          Take payment
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </div>
        <div>
          <Text size="sm" fw={600} mb={4}>
            Payments
          </Text>
          {payments.isPending ? (
            <Loading label="Loading payments…" />
          ) : payments.isError ? (
            <ErrorState error={payments.error} onRetry={() => void payments.refetch()} />
          ) : payments.data.items.length === 0 ? (
            <Empty>No payments.</Empty>
          ) : (
            <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Payments">
              {payments.data.items.map((p) => (
                <li key={p.id}>
                  <Group justify="space-between" wrap="nowrap">
                    <Text size="sm">
                      {formatMoney(p.amount_minor, p.currency)} · {METHOD[p.method]}
                      {p.refunded_minor > 0 ? ` · refunded ${formatMoney(p.refunded_minor, p.currency)}` : ""}
                      {p.status === "failed" && (p.failure_message || p.failure_code) ? ` · ${p.failure_message || titleCase(p.failure_code)}` : ""}
                    </Text>
                    <Group gap={6} wrap="nowrap">
                      <Text size="xs" c="dimmed">
                        {formatDateTime(p.created_at)}
                      </Text>
                      <Badge size="sm" variant="filled" color={PAYMENT_COLOR[p.status]}>
                        {titleCase(p.status)}
                      </Badge>
                      {canRefund && refundable(p) > 0 && (
                        <Button size="compact-xs" variant="light" onClick={() => setRefunding(p)} aria-label={`Refund ${formatMoney(p.amount_minor, p.currency)} ${METHOD[p.method]} payment`}>
                          Refund
                        </Button>
                      )}
                    </Group>
                  </Group>
                </li>
              ))}
            </Stack>
          )}
        </div>
      </Stack>
      <PaymentModal customerId={customerId} target={paying} onClose={() => setPaying(null)} />
      <RefundModal customerId={customerId} payment={refunding} onClose={() => setRefunding(null)} />
    </Section>
  );
}
