import { Alert, Badge, Button, Group, Menu, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { Section } from "@/components/Section";
import { formatDateTime, formatMoney } from "@/lib/format";
import { useBookingAction, useCustomerBookings, usePayments, useStaff, type Booking, type BookingAction } from "../api/billing";
import { BOOKING_STATUS, bookingBalance } from "../bookings";
import { BookServiceModal } from "./BookServiceModal";
import { PaymentModal, type PaymentTarget } from "./PaymentModal";

const ACTIONS: Record<Booking["status"], { action: BookingAction; label: string }[]> = {
  requested: [
    { action: "confirm", label: "Confirm" },
    { action: "cancel", label: "Cancel booking" },
  ],
  confirmed: [
    { action: "complete", label: "Mark completed" },
    { action: "no-show", label: "Mark no-show" },
    { action: "cancel", label: "Cancel booking" },
  ],
  completed: [],
  cancelled: [],
  no_show: [],
};

/** The customer's bookings (newest first), booking a service, their actions, taking payment. */
export function Bookings({ customerId }: { customerId: string }) {
  const bookings = useCustomerBookings(customerId);
  const payments = usePayments(customerId);
  const staff = useStaff();
  const act = useBookingAction(customerId);
  const [booking, bookingModal] = useDisclosure(false);
  const [paying, setPaying] = useState<PaymentTarget | null>(null);
  const staffName = (id: string | null) => staff.data?.items.find((s) => s.id === id)?.name;
  const items = [...(bookings.data?.items ?? [])].sort((a, z) => (z.starts_at ?? "").localeCompare(a.starts_at ?? ""));

  return (
    <Section
      title="Bookings"
      id="bookings-heading"
      action={
        <Button size="xs" onClick={bookingModal.open}>
          Book a service
        </Button>
      }
    >
      {act.error && (
        <Alert color="red" role="alert" mb="xs" p="xs">
          {act.error.message}
        </Alert>
      )}
      {bookings.isPending ? (
        <Loading label="Loading bookings…" />
      ) : bookings.isError ? (
        <ErrorState error={bookings.error} onRetry={() => void bookings.refetch()} />
      ) : items.length === 0 ? (
        <Empty>No bookings yet.</Empty>
      ) : (
        <Stack gap={6} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Bookings">
          {items.map((b) => {
            const status = BOOKING_STATUS[b.status];
            const { paid, refunded, due } = bookingBalance(b, payments.data?.items ?? []);
            const who = staffName(b.staff_id);
            return (
              <li key={b.id} aria-label={`${b.service_name || "Booking"} ${formatDateTime(b.starts_at)}`}>
                <Group justify="space-between" wrap="nowrap" gap="xs">
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" fw={600} truncate>
                      {b.service_name || "Booking"} · {formatMoney(b.amount_minor, b.currency)}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {formatDateTime(b.starts_at)}
                      {who ? ` · with ${who}` : ""}
                      {paid > 0 ? ` · paid ${formatMoney(paid, b.currency)}` : ""}
                      {refunded > 0 ? ` · refunded ${formatMoney(refunded, b.currency)}` : ""}
                    </Text>
                  </div>
                  <Group gap={6} wrap="nowrap">
                    <Badge color={status.color} variant="filled" size="sm">
                      {status.label}
                    </Badge>
                    {due > 0 && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        onClick={() => setPaying({ title: `${b.service_name || "Booking"} on ${formatDateTime(b.starts_at)}`, bookingId: b.id, dueMinor: due, currency: b.currency })}
                      >
                        Take payment
                      </Button>
                    )}
                    {ACTIONS[b.status].length > 0 && (
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <Button size="compact-xs" variant="default" aria-label={`Change booking ${b.service_name}`}>
                            Change
                          </Button>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {ACTIONS[b.status].map((a) => (
                            <Menu.Item key={a.action} onClick={() => act.mutate({ id: b.id, action: a.action })}>
                              {a.label}
                            </Menu.Item>
                          ))}
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Group>
                </Group>
              </li>
            );
          })}
        </Stack>
      )}
      <BookServiceModal customerId={customerId} opened={booking} onClose={bookingModal.close} />
      <PaymentModal customerId={customerId} target={paying} onClose={() => setPaying(null)} />
    </Section>
  );
}
