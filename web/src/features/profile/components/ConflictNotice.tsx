import { Alert, List, Text } from "@mantine/core";
import type { Change } from "../conflict";

export function ConflictNotice({ changes }: { changes: Change[] }) {
  return (
    <Alert color="yellow" title="Someone else changed this customer" role="alert">
      <Text size="sm">
        The profile was reloaded. Your edits are still in the form: check them and save again.
      </Text>
      {changes.length > 0 ? (
        <List size="sm" mt={4}>
          {changes.map((c) => (
            <List.Item key={c.label}>
              {c.label}: {c.before} → <strong>{c.after}</strong>
            </List.Item>
          ))}
        </List>
      ) : (
        <Text size="sm">None of the fields shown here changed.</Text>
      )}
    </Alert>
  );
}
