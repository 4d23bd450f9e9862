import { Badge, Button, Group, Popover, Progress, Stack, Text } from "@mantine/core";
import { Loading } from "@/components/States";
import { useCustomerSentiment } from "../api/sentiment";
import { sentimentColor } from "@/lib/sentiment";
import { EMOTIONS, strongEmotions, trendWords } from "../labels";
import { countOf } from "@/lib/format";

export function SentimentBadge({ customerId }: { customerId: string }) {
  const sentiment = useCustomerSentiment(customerId);
  if (sentiment.isPending) return <Loading label="Reading sentiment…" />;
  if (sentiment.isError)
    return (
      <Text size="sm" c="red.8" role="alert">
        Sentiment unavailable: {sentiment.error.message}
      </Text>
    );
  const s = sentiment.data;
  const label = s.sentiment.label;
  const named = strongEmotions(s.sentiment.emotions);
  return (
    <Group gap={6} wrap="nowrap" aria-live="polite">
      <Badge size="lg" color={sentimentColor(label)} variant="filled" data-testid="sentiment-badge" aria-label={`Sentiment: ${label}`}>
        {label}
        {s.source === "override" ? " (override)" : ""}
      </Badge>
      <Popover width={320} position="bottom" shadow="md">
        <Popover.Target>
          <Button size="compact-xs" variant="default">
            Why?
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap={6}>
            <Text size="sm">{s.explanation}</Text>
            {s.source === "override" && s.override && (
              <Text size="sm">
                Set by staff: “{String(s.override.reason ?? "")}”. The model alone says {s.computed.label}.
              </Text>
            )}
            <Text size="xs" c="dimmed">
              Based on {countOf(s.message_count, { one: "message", other: "messages" })}
              {trendWords(s.trend) ? `, ${trendWords(s.trend)}` : ""}
              {named.length ? `; ${named.join(", ")}` : ""}.
            </Text>
            {EMOTIONS.map((e) => (
              <div key={e}>
                <Text size="xs">{e[0]!.toUpperCase() + e.slice(1)}</Text>
                <Progress value={s.sentiment.emotions[e] * 100} size="sm" aria-label={`${e} ${Math.round(s.sentiment.emotions[e] * 100)}%`} />
              </div>
            ))}
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}
