import { Badge, Button, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { CustomerAvatar } from "@/components/CustomerAvatar";
import { Empty, ErrorState, Loading } from "@/components/States";
import { TONES } from "@/lib/tones";
import { useDuplicates, type DuplicatePair } from "../api/merge";
import { displayName, reasonText, type Customer } from "../merge";
import { MergeWizard, type MergePair } from "./MergeWizard";

function Side({ customer }: { customer: Customer }) {
  const contact = [customer.phones[0]?.number, customer.emails[0]?.address, customer.company].filter(Boolean).join(" · ");
  return (
    <Group gap="sm" wrap="nowrap" align="flex-start" style={{ minWidth: 0 }}>
      <CustomerAvatar id={customer.id} firstName={customer.first_name} lastName={customer.last_name} color={customer.avatar_color} />
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text fw={600} size="sm" truncate>
          {displayName(customer)}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {contact || "no contact details"}
        </Text>
      </Stack>
    </Group>
  );
}

function PairCard({ pair, canMerge, onCompare }: { pair: DuplicatePair; canMerge: boolean; onCompare: () => void }) {
  const name = `${displayName(pair.customer)} and ${displayName(pair.duplicate)}`;
  return (
    <Paper withBorder p="sm" radius="md" component="li" aria-label={name}>
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="md">
        <SimpleGrid cols={2} style={{ flex: 1, minWidth: 0 }}>
          <Side customer={pair.customer} />
          <Side customer={pair.duplicate} />
        </SimpleGrid>
        <Stack gap={6} align="flex-end">
          <Badge variant="filled" color={pair.score >= 90 ? TONES.bad : TONES.warn} title="How alike they are, out of 100">
            {pair.score}% alike
          </Badge>
          {canMerge && (
            <Button size="compact-sm" variant="light" onClick={onCompare} aria-label={`Compare and merge ${name}`}>
              Compare and merge
            </Button>
          )}
        </Stack>
      </Group>
      <Group gap={6} mt={6}>
        {pair.reasons.map((r) => (
          <Badge key={`${r.kind}-${r.detail}`} variant="default" tt="none" size="sm">
            {reasonText(r)}
          </Badge>
        ))}
      </Group>
    </Paper>
  );
}

/** The suggested duplicate pairs, most alike first; each opens the merge wizard. */
export function Duplicates({ canMerge, onMerged }: { canMerge: boolean; onMerged: (survivorId: string) => void }) {
  const duplicates = useDuplicates();
  const [merging, setMerging] = useState<MergePair | null>(null);
  const pairs = duplicates.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="sm" p="md" maw={960} component="section" aria-labelledby="duplicates-heading">
      <Title order={2} size="h3" id="duplicates-heading">
        Possible duplicates
      </Title>
      <Text size="sm" c="dimmed">
        Customers who share a phone number or an email, or whose names (and companies) are alike.
        {canMerge ? "" : " Merging needs a manager or an admin."}
      </Text>
      {duplicates.isPending ? (
        <Loading label="Looking for duplicates…" />
      ) : duplicates.isError ? (
        <ErrorState error={duplicates.error} onRetry={() => void duplicates.refetch()} />
      ) : pairs.length === 0 ? (
        <Empty>No possible duplicates.</Empty>
      ) : (
        <Stack gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Possible duplicates">
          {pairs.map((p) => (
            <PairCard key={`${p.customer.id}-${p.duplicate.id}`} pair={p} canMerge={canMerge} onCompare={() => setMerging({ survivor: p.customer, duplicate: p.duplicate })} />
          ))}
        </Stack>
      )}
      {duplicates.hasNextPage && (
        <Button variant="subtle" size="xs" loading={duplicates.isFetchingNextPage} onClick={() => void duplicates.fetchNextPage()}>
          Load more
        </Button>
      )}
      <MergeWizard
        pair={merging}
        onClose={() => setMerging(null)}
        onMerged={(id) => {
          setMerging(null);
          onMerged(id);
        }}
      />
    </Stack>
  );
}
