import { Accordion, Badge, Group, Stack, Text } from "@mantine/core";
import { LineChart } from "@mantine/charts";
import { Empty, ErrorState, Loading } from "@/components/States";
import { channelName, countOf, formatDateTime, titleCase } from "@/lib/format";
import { sentimentColor } from "@/lib/sentiment";
import { useConversationMessages, useCustomerConversations, useMessageSentiments, type MessageSentiment } from "../api/conversations";
import { trendPoints } from "../trend";


function MessageScore({ score }: { score: MessageSentiment | null | undefined }) {
  if (score === undefined) return null;
  if (score === null)
    return (
      <Text size="xs" c="dimmed">
        not scored yet
      </Text>
    );
  return (
    <Badge size="xs" variant="filled" color={sentimentColor(score.sentiment.label)}>
      {score.sentiment.label} {score.sentiment.score.toFixed(2)}
    </Badge>
  );
}

/** Conversations with their messages and each message's sentiment, plus the trend chart. */
export function useCustomerMessages(customerId: string, conversationLimit = 5) {
  const conversations = useCustomerConversations(customerId);
  const items = conversations.data?.items ?? [];
  const details = useConversationMessages(items.slice(0, conversationLimit).map((c) => c.id));
  const messages = details.flatMap((d) => d.data?.messages ?? []);
  const scores = useMessageSentiments(messages.map((m) => m.id));
  const byId = new Map(messages.map((m, i) => [m.id, scores[i]?.data]));
  return { conversations, items, details, messages, byId };
}

export function SentimentTrend({ customerId }: { customerId: string }) {
  const { messages, byId } = useCustomerMessages(customerId);
  const points = trendPoints(messages, byId);
  if (points.length < 2) return null;
  const data = points.map((p) => ({ when: formatDateTime(p.at), score: p.score }));
  return (
    <figure style={{ margin: 0 }}>
      <figcaption>
        <Text size="xs" c="dimmed">
          Trend, last {points.length} messages (−1 to +1)
        </Text>
      </figcaption>
      <LineChart
        h={64}
        w={240}
        data={data}
        dataKey="when"
        series={[{ name: "score", color: "blue.8", label: "Sentiment" }]}
        yAxisProps={{ domain: [-1, 1], ticks: [-1, 0, 1], width: 22 }}
        xAxisProps={{ hide: true }}
        gridAxis="none"
        withDots
        curveType="linear"
        referenceLines={[{ y: 0, color: "gray.5" }]}
        role="img"
        aria-label={`Sentiment trend over ${points.length} messages, latest ${points.at(-1)!.label}`}
      />
    </figure>
  );
}

export function Conversations({ customerId }: { customerId: string }) {
  const { conversations, items, details, byId } = useCustomerMessages(customerId);
  if (conversations.isPending) return <Loading label="Loading conversations…" />;
  if (conversations.isError) return <ErrorState error={conversations.error} onRetry={() => void conversations.refetch()} />;
  if (items.length === 0) return <Empty>No conversations yet.</Empty>;
  return (
    <Accordion multiple defaultValue={items[0] ? [items[0].id] : []} variant="separated">
      {items.map((c, i) => {
        const detail = details[i];
        return (
          <Accordion.Item key={c.id} value={c.id}>
            <Accordion.Control>
              <Group gap="xs">
                <Text size="sm" fw={600}>
                  {channelName(c.channel)}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatDateTime(c.started_at)} · {countOf(c.message_count, { one: "message", other: "messages" })} · {titleCase(c.status)}
                </Text>
              </Group>
            </Accordion.Control>
            <Accordion.Panel>
              {!detail ? (
                <Text size="sm" c="dimmed">
                  Older conversation: open it from the conversations inbox.
                </Text>
              ) : detail.isPending ? (
                <Loading label="Loading messages…" />
              ) : detail.isError ? (
                <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
              ) : (
                <Stack gap={6} component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                  {detail.data.messages.map((m) => (
                    <li key={m.id}>
                      <Group gap={6} wrap="nowrap" align="baseline">
                        <Text size="xs" fw={600}>
                          {m.author === "customer" ? "Customer" : m.author === "ai" ? "AI agent" : "Staff"}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {formatDateTime(m.sent_at)}
                        </Text>
                        {m.author === "customer" && <MessageScore score={byId.get(m.id)} />}
                      </Group>
                      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                        {m.text}
                      </Text>
                    </li>
                  ))}
                </Stack>
              )}
            </Accordion.Panel>
          </Accordion.Item>
        );
      })}
    </Accordion>
  );
}
