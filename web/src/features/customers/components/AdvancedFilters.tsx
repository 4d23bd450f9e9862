import { Button, Group, NumberInput, Popover, Select, Stack, TextInput } from "@mantine/core";
import { FolderSelect } from "@/components/FolderSelect";
import { channelName, titleCase } from "@/lib/format";
import { CHANNELS, DEFAULT_FILTERS, SENTIMENTS, STAGES, advancedFilterCount, type Filters } from "../filters";

interface Props {
  filters: Filters;
  onChange: (next: Filters) => void;
}

const options = (values: string[]) => values.map((value) => ({ value, label: titleCase(value) }));

export function AdvancedFilters({ filters, onChange }: Props) {
  const count = advancedFilterCount(filters);
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => onChange({ ...filters, [key]: value });
  const num = (value: string | number) => (value === "" ? null : Number(value));
  return (
    <Popover width={300} position="bottom-start" shadow="md" trapFocus>
      <Popover.Target>
        <Button variant={count ? "light" : "default"} size="xs">
          {count ? `Filters (${count})` : "Filters"}
        </Button>
      </Popover.Target>
      <Popover.Dropdown aria-label="Advanced filters">
        <Stack gap="xs">
          <NumberInput
            label="Last contact within (days)"
            min={0}
            max={3650}
            value={filters.lastContactWithinDays ?? ""}
            onChange={(v) => set("lastContactWithinDays", num(v))}
          />
          <NumberInput
            label="Conversations more than"
            min={0}
            value={filters.minConversations === null ? "" : filters.minConversations}
            onChange={(v) => set("minConversations", num(v))}
          />
          <NumberInput
            label="Lifetime value at least"
            min={0}
            decimalScale={2}
            value={filters.minLtv ?? ""}
            onChange={(v) => set("minLtv", num(v))}
          />
          <Select label="Channel" clearable data={CHANNELS.map((value) => ({ value, label: channelName(value) }))} value={filters.channel || null} onChange={(v) => set("channel", v ?? "")} />
          <Select label="Stage" clearable data={options(STAGES)} value={filters.stage || null} onChange={(v) => set("stage", v ?? "")} />
          <Select label="Sentiment" clearable data={SENTIMENTS} value={filters.sentiment || null} onChange={(v) => set("sentiment", v ?? "")} />
          <TextInput label="Tag" value={filters.tag} onChange={(e) => set("tag", e.currentTarget.value)} />
          <FolderSelect label="Folder" value={filters.folder} onChange={(v) => set("folder", v)} />
          <Group justify="flex-end">
            <Button
              variant="subtle"
              size="xs"
              onClick={() => onChange({ ...DEFAULT_FILTERS, q: filters.q, segment: filters.segment, sort: filters.sort })}
            >
              Clear filters
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
