import { Alert, Badge, Button, FileInput, Group, Modal, Progress, ScrollArea, Select, Stack, Stepper, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "@/lib/api/problem";
import { TONES } from "@/lib/tones";
import { downloadImportErrors, useImport, useRunImport, useUploadImport, type Import } from "../api/dataops";
import { fieldLabel, initialMapping, mappingColumnWidth, mappingProblems, rowProblems, runMapping } from "../mapping";

/** Import customers: upload a CSV or Excel file, check the mapping against a validated preview,
 * run it, watch its progress, download the rows it rejected. */
export function ImportWizard({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={opened} onClose={onClose} title="Import customers" size="xl">
      {opened && <Wizard onClose={onClose} />}
    </Modal>
  );
}

function Wizard({ onClose }: { onClose: () => void }) {
  const [importId, setImportId] = useState<string | null>(null);
  const current = useImport(importId);
  const imp = current.data;
  const step = !imp ? 0 : imp.status === "previewed" ? 1 : 2;
  return (
    <Stack gap="md">
      <Stepper active={step} size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label="Upload" />
        <Stepper.Step label="Mapping and preview" />
        <Stepper.Step label="Import" />
      </Stepper>
      {step === 0 && <Upload onUploaded={(i) => setImportId(i.id)} />}
      {step === 1 && imp && <Mapping key={imp.id} imp={imp} />}
      {step === 2 && imp && <Running imp={imp} onClose={onClose} />}
    </Stack>
  );
}

function Upload({ onUploaded }: { onUploaded: (imp: Import) => void }) {
  const upload = useUploadImport();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [country, setCountry] = useState("US");
  const fileError = upload.error instanceof ApiError ? upload.error.fieldErrors.find((e) => e.field.endsWith("file"))?.message : undefined;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!file) return;
    const done = await upload.mutateAsync({ file, defaultCountry: country.trim().toUpperCase() }).catch(() => null);
    if (done) {
      queryClient.setQueryData(["imports", done.id], done);
      onUploaded(done);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Upload a file">
      <Stack gap="sm">
        <Text size="sm">A CSV (UTF-8, Windows-1252 or Latin-1) or an Excel .xlsx file with a header row. Columns are matched to fields on the next step.</Text>
        {upload.error && !fileError && (
          <Alert color="red" role="alert" p="xs">
            {upload.error.message}
          </Alert>
        )}
        <FileInput label="File" required accept=".csv,.tsv,.txt,.xlsx" placeholder="Choose a file" value={file} onChange={setFile} error={fileError} clearable />
        <TextInput
          label="Default country"
          description="For phone numbers written without +country code (ISO code, e.g. US, GB)"
          maxLength={2}
          w={260}
          value={country}
          onChange={(e) => setCountry(e.currentTarget.value)}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={upload.isPending} disabled={!file}>
            Upload and preview
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Mapping({ imp }: { imp: Import }) {
  const [mapping, setMapping] = useState(() => initialMapping(imp));
  const [onMatch, setOnMatch] = useState<Import["on_match"]>(imp.on_match);
  const run = useRunImport();
  const problems = mappingProblems(mapping);
  const options = [{ value: "", label: "Leave out" }, ...imp.fields.map((f) => ({ value: f, label: fieldLabel(f) }))];
  const columnWidth = mappingColumnWidth(options.map((o) => o.label));
  const badRows = imp.preview.filter((r) => r.error || r.cells.some((c) => c.error)).length;

  return (
    <Stack gap="sm">
      <Text size="sm">
        {imp.filename} · {imp.headers.length} columns · showing the first {imp.preview.length} rows, checked as they would be imported
        {badRows ? ` (${badRows} with problems: they will be skipped and listed in the error report)` : ""}.
      </Text>
      <ScrollArea type="auto" offsetScrollbars>
        <Table fz="xs" withTableBorder withColumnBorders aria-label="Mapping and preview" style={{ minWidth: 48 + columnWidth * imp.headers.length }}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              {imp.headers.map((h) => (
                <Table.Th key={h} miw={columnWidth}>
                  <Text size="xs" fw={700} mb={4}>
                    {h}
                  </Text>
                  <Select
                    size="xs"
                    miw={columnWidth - 20}
                    comboboxProps={{ width: "max-content", position: "bottom-start" }}
                    aria-label={`Field for ${h}`}
                    allowDeselect={false}
                    data={options}
                    value={mapping[h] ?? ""}
                    onChange={(v) => setMapping({ ...mapping, [h]: v ?? "" })}
                  />
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {imp.preview.map((row) => (
              <Table.Tr key={row.row_number}>
                <Table.Td>
                  {row.row_number}
                  {rowProblems(row).map((p) => (
                    <Text key={p} size="xs" c="red.9">
                      {p}
                    </Text>
                  ))}
                </Table.Td>
                {imp.headers.map((h) => {
                  const cell = row.cells.find((c) => c.header === h);
                  if (!cell) return <Table.Td key={h} />;
                  const shown = cell.field ? cell.normalised || cell.value : cell.value;
                  return (
                    <Table.Td key={h} bg={cell.error ? "red.0" : undefined}>
                      <Text size="xs" c={cell.field ? undefined : "dimmed"}>
                        {shown}
                      </Text>
                      {cell.error && (
                        <Text size="xs" c="red.9" fw={600}>
                          {cell.error}
                        </Text>
                      )}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      <Select
        label="When a row matches a customer (same phone or email)"
        w={380}
        allowDeselect={false}
        data={[
          { value: "update", label: "Update the customer" },
          { value: "skip", label: "Leave the customer as is" },
        ]}
        value={onMatch}
        onChange={(v) => v && setOnMatch(v as Import["on_match"])}
      />
      {(problems.length > 0 || run.error) && (
        <Alert color="red" role="alert" p="xs">
          {[...problems, ...(run.error ? [run.error.message] : [])].join(". ")}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button onClick={() => run.mutate({ id: imp.id, body: { mapping: runMapping(mapping), on_match: onMatch, default_country: imp.default_country || null, loyalty_program_id: null } })} loading={run.isPending} disabled={problems.length > 0}>
          Run import
        </Button>
      </Group>
    </Stack>
  );
}

function Running({ imp, onClose }: { imp: Import; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [downloadError, setDownloadError] = useState("");
  const done = imp.status === "completed" || imp.status === "failed" || imp.status === "cancelled";
  const percent = Math.round(imp.progress * 100);
  const counts = [
    { label: "Created", value: imp.created, color: TONES.good },
    { label: "Updated", value: imp.updated, color: TONES.info },
    { label: "Skipped", value: imp.skipped, color: TONES.muted },
    { label: "Failed", value: imp.failed, color: TONES.bad },
  ];

  function close() {
    void queryClient.invalidateQueries({ queryKey: ["customers"] });
    onClose();
  }

  return (
    <Stack gap="sm" role="status" aria-live="polite">
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {done ? (imp.status === "completed" ? "Import finished" : `Import ${imp.status}`) : "Importing…"} · {imp.processed.toLocaleString()} of {imp.total ? imp.total.toLocaleString() : "…"} rows
        </Text>
        {!done && imp.eta_seconds !== null && <Text size="xs" c="dimmed">about {Math.ceil(imp.eta_seconds)} s left</Text>}
      </Group>
      <Progress value={done ? 100 : percent} aria-label="Import progress" animated={!done} />
      <Group gap="xs" role="group" aria-label="Import results">
        {counts.map((c) => (
          <Badge key={c.label} color={c.color} variant="filled" size="lg">
            {c.label}: {c.value.toLocaleString()}
          </Badge>
        ))}
      </Group>
      {imp.error && (
        <Alert color="red" role="alert" p="xs">
          {imp.error}
        </Alert>
      )}
      {imp.possible_duplicates > 0 && (
        <Alert color="yellow" p="xs" title="Possible duplicates">
          {imp.possible_duplicates.toLocaleString()} imported {imp.possible_duplicates === 1 ? "customer looks" : "customers look"} like one already there (same name, similar company). They were created all the same: check them and merge any that are the same person.
        </Alert>
      )}
      {downloadError && (
        <Alert color="red" role="alert" p="xs">
          {downloadError}
        </Alert>
      )}
      <Group justify="flex-end">
        {done && imp.failed > 0 && (
          <Tooltip label="The rejected rows as uploaded, with the reason for each">
            <Button variant="default" onClick={() => downloadImportErrors(imp.id).catch((e: unknown) => setDownloadError(e instanceof Error ? e.message : String(e)))}>
              Download error report
            </Button>
          </Tooltip>
        )}
        <Button onClick={close} disabled={!done}>
          Done
        </Button>
      </Group>
    </Stack>
  );
}
