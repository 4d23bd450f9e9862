import { Button, Checkbox, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { Empty, ErrorState, Loading } from "@/components/States";
import { useCustomFieldDefinitions, type VersionedCustomer } from "../api/profile";
import { useSaveCustomer } from "../hooks/useSaveCustomer";
import { ConflictNotice } from "./ConflictNotice";
import { FormActions } from "./FormActions";
import { Section } from "@/components/Section";

type Value = string | number | boolean | null;

export function CustomFields({ value }: { value: VersionedCustomer }) {
  const definitions = useCustomFieldDefinitions();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, Value>>({});
  const saver = useSaveCustomer(value.customer.id, ["custom_fields"]);
  const current = value.customer.custom_fields as Record<string, Value>;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if ((await saver.save({ custom_fields: { ...current, ...draft } }, value)) === "saved") setEditing(false);
  }

  const items = definitions.data?.items ?? [];
  return (
    <Section
      title="Custom fields"
      id="custom-fields-heading"
      action={
        items.length > 0 && !editing ? (
          <Button size="xs" variant="light" onClick={() => { setDraft({ ...current }); saver.reset(); setEditing(true); }}>
            Edit custom fields
          </Button>
        ) : undefined
      }
    >
      {definitions.isPending ? (
        <Loading label="Loading custom fields…" />
      ) : definitions.isError ? (
        <ErrorState error={definitions.error} onRetry={() => void definitions.refetch()} />
      ) : items.length === 0 ? (
        <Empty>No custom fields are defined for this business.</Empty>
      ) : editing ? (
        <form onSubmit={submit} noValidate aria-label="Edit custom fields">
          <Stack gap="xs">
            {saver.conflict && <ConflictNotice changes={saver.conflict} />}
            {(saver.formError || saver.fieldErrors.custom_fields) && (
              <Text c="red.8" size="sm" role="alert">
                {saver.fieldErrors.custom_fields ?? saver.formError}
              </Text>
            )}
            <SimpleGrid cols={2} spacing="xs">
              {items.map((d) => {
                const v = draft[d.key] ?? null;
                const set = (next: Value) => setDraft({ ...draft, [d.key]: next });
                if (d.type === "boolean" || d.type === "checkbox")
                  return <Checkbox key={d.key} label={d.label} checked={v === true} onChange={(e) => set(e.currentTarget.checked)} />;
                if (d.type === "number")
                  return <NumberInput key={d.key} label={d.label} value={typeof v === "number" ? v : ""} onChange={(n) => set(n === "" ? null : Number(n))} />;
                if (d.options.length > 0)
                  return <Select key={d.key} label={d.label} clearable data={d.options} value={typeof v === "string" ? v : null} onChange={(s) => set(s)} />;
                return <TextInput key={d.key} label={d.label} value={v === null ? "" : String(v)} onChange={(e) => set(e.currentTarget.value)} />;
              })}
            </SimpleGrid>
            <FormActions saveLabel="Save custom fields" saving={saver.saving} onCancel={() => setEditing(false)} />
          </Stack>
        </form>
      ) : (
        <SimpleGrid cols={3} spacing="xs">
          {items.map((d) => {
            const v = current[d.key];
            return (
              <div key={d.key}>
                <Text size="xs" c="dimmed" fw={600}>
                  {d.label}
                </Text>
                <Text size="sm">{v === undefined || v === null || v === "" ? "—" : typeof v === "boolean" ? (v ? "Yes" : "No") : String(v)}</Text>
              </div>
            );
          })}
        </SimpleGrid>
      )}
    </Section>
  );
}
