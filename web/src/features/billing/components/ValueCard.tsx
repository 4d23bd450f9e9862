import { Group, Paper, SimpleGrid, Skeleton, Text } from "@mantine/core";
import { ErrorState } from "@/components/States";
import { countOf, formatMoney } from "@/lib/format";
import { useCustomerValue } from "../api/billing";

/** The customer's value as billing computes it now: LTV, purchases, paid, outstanding. */
export function ValueCard({ customerId }: { customerId: string }) {
  const value = useCustomerValue(customerId);
  if (value.isError) return <ErrorState error={value.error} onRetry={() => void value.refetch()} />;
  const v = value.data;
  const money = (minor: number) => (v ? formatMoney(minor, v.currency) : "");
  const figures = v
    ? [
        { label: "Bookings", value: v.bookings_count.toLocaleString() },
        { label: "Purchases", value: v.purchases_count.toLocaleString() },
        { label: "Average order", value: money(v.average_order_value_minor) },
        { label: "Paid", value: money(v.total_paid_minor) },
        { label: "Outstanding", value: money(v.outstanding_minor) },
      ]
    : [];
  return (
    <Paper withBorder p="sm" radius="md" role="group" aria-label="Lifetime value">
      <Group justify="space-between" align="baseline" mb={6}>
        <Text size="xs" c="dimmed" fw={600} tt="uppercase">
          Lifetime value
        </Text>
        {v && v.overdue_invoices_count > 0 && (
          <Text size="xs" c="red.9" fw={600}>
            {countOf(v.overdue_invoices_count, { one: "overdue invoice", other: "overdue invoices" })}
          </Text>
        )}
      </Group>
      {v ? (
        <>
          <Text fw={700} size="xl" lh={1.2} data-testid="customer-ltv">
            {money(v.lifetime_value_minor)}
          </Text>
          <SimpleGrid cols={5} spacing="xs" mt={6}>
            {figures.map((f) => (
              <div key={f.label}>
                <Text size="xs" c="dimmed">
                  {f.label}
                </Text>
                <Text size="sm" fw={600} data-testid={`value-${f.label}`}>
                  {f.value}
                </Text>
              </div>
            ))}
          </SimpleGrid>
        </>
      ) : (
        <Skeleton h={56} role="status" aria-label="Loading lifetime value" />
      )}
    </Paper>
  );
}
