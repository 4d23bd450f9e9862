import { Badge, Button, Group, Paper, SimpleGrid, Stack, Text, Title, UnstyledButton } from "@mantine/core";
import { useMemo, useState } from "react";
import { ErrorState, Loading } from "@/components/States";
import { formatMoney } from "@/lib/format";
import { useBookingsBetween, useStaff } from "../api/billing";
import { BOOKING_STATUS, byDay, week } from "../bookings";

const DAY = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const RANGE = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });

interface Props {
  /** The customer's name, as the app layer finds it. */
  customerName: (id: string) => React.ReactNode;
  onOpenCustomer: (id: string) => void;
}

/** The week's bookings of every customer, one column a day; a booking opens its customer. */
export function Calendar({ customerName, onOpenCustomer }: Props) {
  const [offset, setOffset] = useState(0);
  const { from, to, days } = useMemo(() => week(new Date(), offset), [offset]);
  const bookings = useBookingsBetween(from, to);
  const staff = useStaff();
  const columns = byDay(bookings.data?.items ?? [], days);
  const today = new Date().toDateString();
  const last = new Date(to.getTime() - 1);

  return (
    <Stack gap="sm" p="md" h="100%" component="section" aria-labelledby="calendar-heading">
      <Group justify="space-between">
        <Title order={2} size="h4" id="calendar-heading">
          Bookings · {RANGE.format(from)} – {RANGE.format(last)}
        </Title>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => setOffset((o) => o - 1)}>
            Previous week
          </Button>
          <Button size="xs" variant="default" onClick={() => setOffset(0)} disabled={offset === 0}>
            This week
          </Button>
          <Button size="xs" variant="default" onClick={() => setOffset((o) => o + 1)}>
            Next week
          </Button>
        </Group>
      </Group>
      {bookings.isPending ? (
        <Loading label="Loading bookings…" />
      ) : bookings.isError ? (
        <ErrorState error={bookings.error} onRetry={() => void bookings.refetch()} />
      ) : (
        <SimpleGrid cols={7} spacing="xs" style={{ flex: 1, minHeight: 0 }}>
          {days.map((day, i) => (
            <Paper key={day.toISOString()} withBorder p={6} radius="md" component="section" aria-label={DAY.format(day)} bg={day.toDateString() === today ? "blue.0" : undefined} style={{ overflowY: "auto" }}>
              <Text size="sm" fw={700} mb={4}>
                {DAY.format(day)}
              </Text>
              {columns[i]!.length === 0 ? (
                <Text size="xs" c="dimmed">
                  No bookings
                </Text>
              ) : (
                <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                  {columns[i]!.map((b) => {
                    const status = BOOKING_STATUS[b.status];
                    const who = staff.data?.items.find((s) => s.id === b.staff_id)?.name;
                    return (
                      <li key={b.id}>
                        <UnstyledButton onClick={() => onOpenCustomer(b.customer_id)} w="100%" p={4} style={{ borderLeft: "3px solid var(--mantine-color-blue-8)", borderRadius: 4 }}>
                          <Text size="xs" fw={700}>
                            {b.starts_at ? TIME.format(new Date(b.starts_at)) : ""} {customerName(b.customer_id)}
                          </Text>
                          <Text size="xs">{b.service_name || "Booking"}</Text>
                          <Text size="xs" c="dimmed">
                            {formatMoney(b.amount_minor, b.currency)}
                            {who ? ` · ${who}` : ""}
                          </Text>
                          <Badge size="xs" variant="filled" color={status.color}>
                            {status.label}
                          </Badge>
                        </UnstyledButton>
                      </li>
                    );
                  })}
                </Stack>
              )}
            </Paper>
          ))}
        </SimpleGrid>
      )}
    </Stack>
  );
}
