import { Paper, SimpleGrid, Skeleton, Text } from "@mantine/core";
import { formatMoney } from "@/lib/format";
import { useCustomerStats } from "../api/customers";

interface Card {
  label: string;
  value: string;
  hint: string;
}

/** `currency`: the tenant's (billing settings); null while it loads. When it cannot be read the
 * amounts are shown as plain numbers rather than in a guessed currency. */
export function SummaryCards({ currency, currencyError = false }: { currency: string | null; currencyError?: boolean }) {
  const stats = useCustomerStats();
  const s = stats.data && (currency || currencyError) ? stats.data : undefined;
  const money = (minor: number) => (currency ? formatMoney(minor, currency) : (minor / 100).toLocaleString(undefined, { minimumFractionDigits: 2 }));
  const cards: Card[] = s
    ? [
        { label: "Total customers", value: s.total.toLocaleString(), hint: "everyone in your database" },
        { label: "VIP", value: s.vip.toLocaleString(), hint: "premium customers" },
        { label: "Happy", value: s.happy.toLocaleString(), hint: "positive sentiment" },
        { label: "Problem", value: s.problem.toLocaleString(), hint: "need attention" },
        { label: "Total LTV", value: money(s.total_ltv_minor), hint: "lifetime value, all customers" },
        { label: "Average LTV", value: money(s.average_ltv_minor), hint: "per customer" },
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
