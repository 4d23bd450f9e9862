import { Paper, Text, Title } from "@mantine/core";

export function Section({ title, id, children, action }: { title: string; id: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <Paper withBorder p="sm" radius="md" component="section" aria-labelledby={id}>
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: 8 }}>
        <Title order={3} size="h5" id={id}>
          {title}
        </Title>
        {action}
      </div>
      {children}
    </Paper>
  );
}

/** A section whose service does not exist on this platform yet. */
export function NotAvailable({ title, what }: { title: string; what: string }) {
  const id = `na-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <Section title={title} id={id}>
      <Text size="sm" c="dimmed">
        Not available yet: this workspace has no {what} service.
      </Text>
    </Section>
  );
}
