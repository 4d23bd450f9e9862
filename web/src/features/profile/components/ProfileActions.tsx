import { Anchor, Stack, TagsInput, Text } from "@mantine/core";
import { FolderSelect } from "@/components/FolderSelect";
import { useChangeTags, useCustomerNames, type VersionedCustomer } from "../api/profile";
import { useSaveCustomer } from "../hooks/useSaveCustomer";
import { ConflictNotice } from "./ConflictNotice";
import { Section } from "@/components/Section";

/** Right panel: workers, folder, tags and related customers of the open profile. */
export function ProfileActions({ value, onOpen }: { value: VersionedCustomer; onOpen: (id: string) => void }) {
  const c = value.customer;
  const saver = useSaveCustomer(c.id, ["folder", "workers"]);
  const tags = useChangeTags(c.id);

  // The customer API types relations loosely: {customer_id, role (parent/child), label}.
  const relations = c.relations.flatMap((r) =>
    typeof r.customer_id === "string"
      ? [{ id: r.customer_id, role: String(r.role ?? ""), label: String(r.label ?? "") }]
      : [],
  );
  const relatedIds = relations.map((r) => r.id);
  const names = useCustomerNames(relatedIds);

  function changeTags(next: string[]) {
    const add = next.filter((t) => !c.tags.includes(t));
    const remove = c.tags.filter((t) => !next.includes(t));
    if (add.length || remove.length) tags.mutate({ add, remove });
  }

  return (
    <Stack gap="sm">
      {saver.conflict && <ConflictNotice changes={saver.conflict} />}
      <Section title="Assigned workers" id="workers-heading">
        <TagsInput
          aria-label="Assigned workers"
          placeholder="Type a name, press Enter"
          value={c.workers}
          onChange={(workers) => void saver.save({ workers }, value)}
          error={saver.fieldErrors.workers}
        />
      </Section>
      <Section title="Folder" id="folder-heading">
        <FolderForm current={c.folder} error={saver.fieldErrors.folder} onMove={(folder) => void saver.save({ folder }, value)} />
      </Section>
      <Section title="Tags" id="tags-heading">
        <TagsInput aria-label="Tags" placeholder="Type a tag, press Enter" value={c.tags} onChange={changeTags} error={tags.error?.message} />
      </Section>
      <Section title="Related customers" id="related-heading">
        {relatedIds.length === 0 ? (
          <Text size="sm" c="dimmed">
            No related customers.
          </Text>
        ) : (
          <Stack gap={4} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {relations.map((r) => (
              <li key={r.id}>
                <Anchor component="button" size="sm" onClick={() => onOpen(r.id)}>
                  {names.data?.[r.id] ?? "…"}
                </Anchor>
                <Text span size="xs" c="dimmed">
                  {" "}
                  · {[r.role, r.label].filter(Boolean).join(", ")}
                </Text>
              </li>
            ))}
          </Stack>
        )}
      </Section>
    </Stack>
  );
}

function FolderForm({ current, error, onMove }: { current: string; error?: string | undefined; onMove: (folder: string) => void }) {
  return <FolderSelect aria-label="Folder" value={current} error={error} onChange={(folder) => folder !== current && onMove(folder)} />;
}
