import { Button, Group } from "@mantine/core";

/** Cancel + save at the foot of an inline edit form. */
export function FormActions({ saveLabel, saving, onCancel }: { saveLabel: string; saving: boolean; onCancel: () => void }) {
  return (
    <Group justify="flex-end" gap="xs">
      <Button size="xs" variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button size="xs" type="submit" loading={saving}>
        {saveLabel}
      </Button>
    </Group>
  );
}
