import { Select, type SelectProps } from "@mantine/core";
import { useFolders } from "@/lib/api/folders";

/** A picker over the folders the caller may see; the value is the folder id ("" for none). */
export function FolderSelect({ value, onChange, ...props }: Omit<SelectProps, "data" | "value" | "onChange"> & { value: string; onChange: (id: string) => void }) {
  const folders = useFolders();
  const items = folders.data?.items ?? [];
  const data = items.map((f) => ({ value: f.id, label: f.name }));
  // a folder the caller cannot see (or one deleted) still shows as what it is
  if (value && !items.some((f) => f.id === value)) data.push({ value, label: folders.isPending ? "…" : "(unknown folder)" });
  return (
    <Select
      {...props}
      clearable
      data={data}
      value={value || null}
      onChange={(v) => onChange(v ?? "")}
      onDropdownOpen={() => void folders.refetch()}
      placeholder={folders.isPending ? "Loading folders…" : items.length ? "No folder" : "No folders yet"}
      nothingFoundMessage="No folders"
      error={props.error ?? (folders.isError ? folders.error.message : undefined)}
    />
  );
}
