import { Paper, SimpleGrid, Skeleton, Text } from "@mantine/core";
import { formatMoney } from "@/lib/format";
import { useCustomerStats } from "../api/customers";

interface Card {
  label: string;
  value: string;
  hint: string;
}

export function SummaryCards({ currency }: { currency: string }) {
  const stats = useCustomerStats();
  const s = stats.data;
  const cards: Card[] = s
    ? [
        { label: "Total customers", value: s.total.toLocaleString(), hint: "everyone in your database" },
        { label: "VIP", value: s.vip.toLocaleString(), hint: "premium customers" },
        { label: "Happy", value: s.happy.toLocaleString(), hint: "positive sentiment" },
        { label: "Problem", value: s.problem.toLocaleString(), hint: "need attention" },
        { label: "Total LTV", value: formatMoney(s.total_ltv_minor, currency), hint: "lifetime value, all customers" },
        { label: "Average LTV", value: formatMoney(s.average_ltv_minor, currency), hint: "per customer" },
      ]
    : [];
  return (
    <section aria-label="Summary">
      {stats.isError ? (
        <Text c="red.8" size="sm" role="alert">
          The summary could not be loaded: {stats.error.message}
        </Text>
      ) : (
        <SimpleGrid cols={6} spacing="sm">
          {s
            ? cards.map((card) => (
                <Paper key={card.label} withBorder p="xs" radius="md" role="group" aria-label={card.label}>
                  <Text size="xs" c="dimmed" fw={600} tt="uppercase">
                    {card.label}
                  </Text>
                  <Text fw={700} size="xl" lh={1.2} data-testid={`stat-${card.label}`}>
                    {card.value}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {card.hint}
                  </Text>
                </Paper>
              ))
            : Array.from({ length: 6 }, (_, i) => <Skeleton key={i} h={72} radius="md" />)}
        </SimpleGrid>
      )}
    </section>
  );
}
