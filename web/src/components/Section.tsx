import { Paper, Title } from "@mantine/core";

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
