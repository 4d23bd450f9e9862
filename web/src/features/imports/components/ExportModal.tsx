import { Alert, Anchor, Button, Group, Modal, Progress, SegmentedControl, Stack, Text } from "@mantine/core";
import { useState } from "react";
import type { Schemas } from "@/lib/api/client";
import { useCreateExport, useExport } from "../api/dataops";

type Format = Schemas["ExportIn"]["format"];
const FORMATS: { value: Format; label: string }[] = [
  { value: "csv", label: "CSV" },
  { value: "xlsx", label: "Excel" },
  { value: "json", label: "JSON" },
  { value: "pdf", label: "PDF" },
];

interface Props {
  opened: boolean;
  onClose: () => void;
  /** The list's current filter (what "the customers shown" means), as the export takes it. */
  filter: Schemas["ExportFilter"];
  /** How the staff member reads that filter: "all customers", "VIP, search “ann”". */
  scope: string;
}

/** Export the customers the list shows (its search, segment and filters) to a file. */
export function ExportModal({ opened, onClose, filter, scope }: Props) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={opened} onClose={onClose} title="Export customers">
      {opened && <ExportForm filter={filter} scope={scope} onClose={onClose} />}
    </Modal>
  );
}

function ExportForm({ filter, scope, onClose }: Omit<Props, "opened">) {
  const [format, setFormat] = useState<Format>("csv");
  const create = useCreateExport();
  const job = useExport(create.data?.id ?? null);
  const current = job.data ?? create.data;
  const running = current && (current.status === "queued" || current.status === "running");
  const percent = current && current.total ? Math.round((current.processed / current.total) * 100) : 0;

  return (
    <Stack gap="sm">
      <Text size="sm">Exports {scope}, with readable values (folder names, stage, sentiment, money in major units).</Text>
      <SegmentedControl aria-label="Format" data={FORMATS} value={format} onChange={(v) => setFormat(v as Format)} disabled={Boolean(current)} />
      {create.error && (
        <Alert color="red" role="alert" p="xs">
          {create.error.message}
        </Alert>
      )}
      {current && (
        <Stack gap={4} role="status" aria-live="polite">
          <Text size="sm">
            {current.status === "completed"
              ? `Ready: ${current.total.toLocaleString()} customers`
              : current.status === "failed"
                ? `The export failed: ${current.error}`
                : `Exporting… ${current.processed.toLocaleString()} of ${current.total ? current.total.toLocaleString() : "…"}`}
          </Text>
          {running && <Progress value={percent} aria-label="Export progress" animated />}
          {current.status === "completed" && current.download_url && (
            <Anchor href={current.download_url} download={current.filename}>
              Download {current.filename}
            </Anchor>
          )}
        </Stack>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          {current?.status === "completed" ? "Close" : "Cancel"}
        </Button>
        {!current && (
          <Button onClick={() => create.mutate({ format, filter, ids: null })} loading={create.isPending}>
            Export
          </Button>
        )}
      </Group>
    </Stack>
  );
}
