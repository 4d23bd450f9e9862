import { Button, Modal, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { CustomerAvatar } from "@/components/CustomerAvatar";
import { Empty, ErrorState, Loading } from "@/components/States";
import { useCustomerSearch } from "../api/merge";
import { displayName, type Customer } from "../merge";
import { MergeWizard, type MergePair } from "./MergeWizard";

/** "Merge with…" on a profile: find the other customer, then the merge wizard (this profile
 * stays unless staff swap them). */
export function MergeWith({ customer, onMerged }: { customer: Customer; onMerged: (survivorId: string) => void }) {
  const [choosing, setChoosing] = useState(false);
  const [pair, setPair] = useState<MergePair | null>(null);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setChoosing(true)}>
        Merge with…
      </Button>
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={choosing} onClose={() => setChoosing(false)} title={`Merge ${displayName(customer)} with…`}>
        {choosing && (
          <Chooser
            customer={customer}
            onChoose={(other) => {
              setChoosing(false);
              setPair({ survivor: customer, duplicate: other });
            }}
          />
        )}
      </Modal>
      <MergeWizard
        pair={pair}
        onClose={() => setPair(null)}
        onMerged={(id) => {
          setPair(null);
          onMerged(id);
        }}
      />
    </>
  );
}

function Chooser({ customer, onChoose }: { customer: Customer; onChoose: (other: Customer) => void }) {
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 250);
  const found = useCustomerSearch(debounced, customer.id);
  return (
    <Stack gap="sm">
      <TextInput
        type="search"
        label="Find the other customer"
        description="Name, phone or email (at least 3 characters)"
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        data-autofocus
      />
      {debounced.trim().length < 3 ? null : found.isPending ? (
        <Loading label="Searching…" />
      ) : found.isError ? (
        <ErrorState error={found.error} onRetry={() => void found.refetch()} />
      ) : found.data.length === 0 ? (
        <Empty>No other customer matches.</Empty>
      ) : (
        <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Matching customers">
          {found.data.map((c) => (
            <li key={c.id}>
              <UnstyledButton onClick={() => onChoose(c)} p={6} w="100%" style={{ borderRadius: 4 }} aria-label={`Merge with ${displayName(c)}`}>
                <Stack gap={0}>
                  <Text size="sm" fw={600} style={{ display: "flex", gap: 8, alignItems: "center" }}>
                    <CustomerAvatar id={c.id} firstName={c.first_name} lastName={c.last_name} color={c.avatar_color} size="sm" />
                    {displayName(c)}
                  </Text>
                  <Text size="xs" c="dimmed" pl={34}>
                    {[c.phones[0]?.number, c.emails[0]?.address, c.company].filter(Boolean).join(" · ") || "no contact details"}
                  </Text>
                </Stack>
              </UnstyledButton>
            </li>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
