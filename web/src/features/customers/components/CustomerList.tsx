import { Badge, Button, Chip, Group, Select, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMemo, useState } from "react";
import { CustomerAvatar } from "@/components/CustomerAvatar";
import { Empty, ErrorState, Loading } from "@/components/States";
import { INTERACTIONS, countOf, formatMoney, relativeTime, sentimentLabel } from "@/lib/format";
import type { Schemas } from "@/lib/api/client";
import { sentimentColor } from "@/lib/sentiment";
import { hasNewActivity, loadSeen } from "../activity";
import { useCustomerList } from "../api/customers";
import { DEFAULT_FILTERS, SEGMENTS, SORTS, describeFilters, listQuery, searchTooShort, type Filters, type ListQuery } from "../filters";
import { AdvancedFilters } from "./AdvancedFilters";
import classes from "./CustomerList.module.css";

export const SEARCH_DEBOUNCE_MS = 250;

interface Props {
  selectedId: string | null;
  onSelect: (id: string) => void;
  onNewCustomer: () => void;
  /** Bumped when a profile is opened, so that its badge clears. */
  seenVersion: number;
  /** List-wide actions (import, export) composed by the app layer, given the list's query and
   * that query in words. */
  actions?: (query: ListQuery, scope: string) => React.ReactNode;
}


function Row({ customer, selected, isNew, onSelect }: {
  customer: Schemas["CustomerOut"];
  selected: boolean;
  isNew: boolean;
  onSelect: () => void;
}) {
  const name = `${customer.first_name} ${customer.last_name}`.trim() || "Unnamed";
  const contact = customer.phones.find((p) => p.primary)?.number ?? customer.phones[0]?.number ??
    customer.emails[0]?.address ?? "no contact details";
  const label = sentimentLabel(customer.sentiment?.label ?? "");
  return (
    <li>
      <UnstyledButton
        className={classes.row}
        data-selected={selected || undefined}
        aria-current={selected ? "true" : undefined}
        onClick={onSelect}
      >
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <CustomerAvatar id={customer.id} firstName={customer.first_name} lastName={customer.last_name} color={customer.avatar_color} />
          <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
            <Group gap={6} wrap="nowrap" justify="space-between">
              <Text fw={600} size="sm" truncate>
                {name}
              </Text>
              {isNew && (
                <Badge size="xs" color="blue.9" variant="filled">
                  New activity
                </Badge>
              )}
            </Group>
            <Text size="xs" c="dimmed" truncate>
              {contact} · {customer.last_contact_at ? `last contact ${relativeTime(customer.last_contact_at)}` : "no contact yet"}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {label && (
                <Text span size="xs" fw={600} c={sentimentColor(label)}>
                  {label} ·{" "}
                </Text>
              )}
              {formatMoney(customer.lifetime_value_minor, customer.currency)} · {countOf(customer.interactions_count, INTERACTIONS)}
            </Text>
          </Stack>
        </Group>
      </UnstyledButton>
    </li>
  );
}

export function CustomerList({ selectedId, onSelect, onNewCustomer, seenVersion, actions }: Props) {
  const [filters, setFilters] = useState<Filters>(DEFAULT_FILTERS);
  const [debounced] = useDebouncedValue(filters, SEARCH_DEBOUNCE_MS);
  const query = useMemo(() => listQuery(debounced), [debounced]);
  const list = useCustomerList(query);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- re-read when a profile is opened
  const seen = useMemo(() => loadSeen(window.localStorage), [seenVersion]);
  const customers = list.data?.pages.flatMap((page) => page.items) ?? [];
  const tooShort = searchTooShort(filters.q);

  function onScroll(event: React.UIEvent<HTMLDivElement>) {
    const el = event.currentTarget;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 200 && list.hasNextPage && !list.isFetchingNextPage) {
      void list.fetchNextPage();
    }
  }

  return (
    <Stack gap="xs" h="100%" component="section" aria-label="Customer list">
      <Group gap="xs" wrap="nowrap">
        <TextInput
          type="search"
          aria-label="Search customers"
          placeholder="Name, phone, email…"
          style={{ flex: 1 }}
          value={filters.q}
          onChange={(e) => setFilters({ ...filters, q: e.currentTarget.value })}
          error={tooShort ? `Type at least 3 characters` : undefined}
        />
        <Button size="sm" onClick={onNewCustomer}>
          New customer
        </Button>
      </Group>
      <Chip.Group value={filters.segment} onChange={(segment) => setFilters({ ...filters, segment })}>
        <Group gap={4} role="radiogroup" aria-label="Segment">
          {SEGMENTS.map((s) => (
            <Chip key={s.value} value={s.value} size="xs" radius="sm" type="radio">
              {s.label}
            </Chip>
          ))}
        </Group>
      </Chip.Group>
      <Group gap="xs" justify="space-between">
        <AdvancedFilters filters={filters} onChange={setFilters} />
        <Select
          aria-label="Sort by"
          size="xs"
          w={190}
          allowDeselect={false}
          data={SORTS}
          value={filters.sort}
          onChange={(sort) => setFilters({ ...filters, sort: sort ?? "recent" })}
        />
      </Group>
      {actions && (
        <Group gap="xs" justify="flex-end">
          {actions(query, describeFilters(debounced))}
        </Group>
      )}
      <div className={classes.scroller} onScroll={onScroll} data-testid="customer-scroller">
        {list.isPending ? (
          <Loading label="Loading customers…" />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : customers.length === 0 ? (
          <Empty>No customers match. Try another search or segment.</Empty>
        ) : (
          <nav aria-label="Customers">
            <ul className={classes.list} aria-busy={list.isFetching}>
              {customers.map((customer) => (
                <Row
                  key={customer.id}
                  customer={customer}
                  selected={customer.id === selectedId}
                  isNew={customer.id !== selectedId && hasNewActivity(seen, customer.id, customer.last_activity_at)}
                  onSelect={() => onSelect(customer.id)}
                />
              ))}
            </ul>
            {list.hasNextPage && (
              <Button
                variant="subtle"
                fullWidth
                size="xs"
                loading={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                Load more customers
              </Button>
            )}
          </nav>
        )}
      </div>
    </Stack>
  );
}
