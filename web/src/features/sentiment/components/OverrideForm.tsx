import { Alert, Button, Group, Select, Stack, Text, Textarea } from "@mantine/core";
import { useState } from "react";
import { useClearOverride, useCustomerSentiment, useSetOverride } from "../api/sentiment";

const LABELS = ["Happy", "Neutral", "Frustrated"] as const;
type Label = (typeof LABELS)[number];

export function OverrideForm({ customerId }: { customerId: string }) {
  const sentiment = useCustomerSentiment(customerId);
  const set = useSetOverride(customerId);
  const clear = useClearOverride(customerId);
  const [label, setLabel] = useState<Label | null>(null);
  const [reason, setReason] = useState("");
  const override = sentiment.data?.source === "override" ? sentiment.data.override : null;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!label || !reason.trim()) return;
    await set.mutateAsync({ label, reason: reason.trim() }).then(() => {
      setReason("");
      setLabel(null);
    }).catch(() => undefined);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Sentiment override">
      <Stack gap={6}>
        <Text size="xs" c="dimmed">
          An override lapses by itself when newer messages outweigh it.
        </Text>
        {override && (
          <Alert color="blue" p="xs">
            <Text size="sm">
              Overridden to <strong>{String(override.label)}</strong>: “{String(override.reason)}”
            </Text>
            <Button size="compact-xs" variant="subtle" mt={4} loading={clear.isPending} onClick={() => clear.mutate()}>
              Remove override
            </Button>
          </Alert>
        )}
        {(set.error || clear.error) && (
          <Text size="sm" c="red.8" role="alert">
            {(set.error ?? clear.error)?.message}
          </Text>
        )}
        <Select label="Sentiment" placeholder="Choose…" data={[...LABELS]} value={label} onChange={(v) => setLabel(v as Label | null)} />
        <Textarea label="Reason" autosize minRows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <Group justify="flex-end">
          <Button size="xs" type="submit" loading={set.isPending} disabled={!label || !reason.trim()}>
            Apply override
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
