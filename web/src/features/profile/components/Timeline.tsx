import { Button, Text, Timeline as MantineTimeline } from "@mantine/core";
import { Empty, ErrorState, Loading } from "@/components/States";
import { formatDateTime } from "@/lib/format";
import { useTimeline } from "../api/profile";
import { Section } from "@/components/Section";

export function Timeline({ customerId }: { customerId: string }) {
  const timeline = useTimeline(customerId);
  const entries = timeline.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Section title="Timeline" id="timeline-heading">
      {timeline.isPending ? (
        <Loading label="Loading timeline…" />
      ) : timeline.isError ? (
        <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
      ) : entries.length === 0 ? (
        <Empty>Nothing has happened yet.</Empty>
      ) : (
        <>
          <MantineTimeline bulletSize={12} lineWidth={2} active={entries.length}>
            {entries.map((e) => (
              <MantineTimeline.Item key={e.id} title={<Text size="sm">{e.summary}</Text>}>
                <Text size="xs" c="dimmed">
                  {formatDateTime(e.occurred_at)} · {e.kind}
                </Text>
              </MantineTimeline.Item>
            ))}
          </MantineTimeline>
          {timeline.hasNextPage && (
            <Button size="xs" variant="subtle" mt="xs" loading={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
              Show older events
            </Button>
          )}
        </>
      )}
    </Section>
  );
}
