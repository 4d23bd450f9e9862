import { ActionIcon, Alert, Badge, Button, Group, Paper, Select, Stack, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useState } from "react";
import { CustomerAvatar } from "@/components/CustomerAvatar";
import { INTERACTIONS, channelName, countOf, formatDate, formatMoney, titleCase } from "@/lib/format";
import type { VersionedCustomer } from "../api/profile";
import { useSaveCustomer } from "../hooks/useSaveCustomer";
import { rebaseDraft } from "../conflict";
import { ConflictNotice } from "./ConflictNotice";

const STAGES = ["prospect", "lead", "customer", "repeat", "vip", "at_risk", "churned"].map((value) => ({ value, label: titleCase(value) }));
const CALL_STATUSES = [
  { value: "called", label: "You have called them" },
  { value: "no_answer", label: "No answer" },
  { value: "left_voicemail", label: "Left a voicemail" },
  { value: "spoke", label: "You spoke to them" },
];
const INPUTS = ["first_name", "last_name", "lifecycle_stage", "call_status"] as const;

interface Props {
  value: VersionedCustomer;
  /** The sentiment badge and trend, composed by the app layer. */
  sentiment: React.ReactNode;
  /** Actions on the whole profile ("Merge with…"), composed by the app layer. */
  actions?: React.ReactNode;
}

export function ProfileHeader({ value, sentiment, actions }: Props) {
  const c = value.customer;
  const name = `${c.first_name} ${c.last_name}`.trim() || "Unnamed customer";
  const [editing, setEditing] = useState(false);
  const [base, setBase] = useState(value);
  const [first, setFirst] = useState(c.first_name);
  const [last, setLast] = useState(c.last_name);
  const saver = useSaveCustomer(c.id, INPUTS);

  function startEdit() {
    setBase(value);
    setFirst(c.first_name);
    setLast(c.last_name);
    saver.reset();
    setEditing(true);
  }

  async function saveName(event: React.FormEvent) {
    event.preventDefault();
    const outcome = await saver.save({ first_name: first.trim(), last_name: last.trim() }, base);
    if (outcome === "saved") setEditing(false);
    else if (outcome !== "failed") {
      const before = { first: base.customer.first_name, last: base.customer.last_name };
      const after = { first: outcome.conflict.customer.first_name, last: outcome.conflict.customer.last_name };
      const next = rebaseDraft({ first, last }, before, after);
      setFirst(next.first);
      setLast(next.last);
      setBase(outcome.conflict);
    }
  }

  async function change(patch: { lifecycle_stage?: string; call_status?: string }) {
    await saver.save(patch, value);
  }

  return (
    <Paper withBorder p="sm" radius="md" component="header" aria-label="Customer">
      <Group align="flex-start" wrap="nowrap" gap="md">
        <CustomerAvatar id={c.id} firstName={c.first_name} lastName={c.last_name} color={c.avatar_color} size="lg" />
        <Stack gap={6} style={{ flex: 1, minWidth: 0 }}>
          {editing ? (
            <form onSubmit={saveName} aria-label="Edit name" noValidate>
              <Stack gap="xs">
                {saver.conflict && <ConflictNotice changes={saver.conflict} />}
                <Group gap="xs" align="flex-end">
                  <TextInput label="First name" size="xs" value={first} onChange={(e) => setFirst(e.currentTarget.value)} error={saver.fieldErrors.first_name} data-autofocus />
                  <TextInput label="Last name" size="xs" value={last} onChange={(e) => setLast(e.currentTarget.value)} error={saver.fieldErrors.last_name} />
                  <Button size="xs" type="submit" loading={saver.saving}>
                    Save name
                  </Button>
                  <Button size="xs" variant="default" onClick={() => setEditing(false)}>
                    Cancel
                  </Button>
                </Group>
              </Stack>
            </form>
          ) : (
            <Group gap="xs" wrap="nowrap">
              <Title order={2} size="h3" lh={1.2} style={{ overflowWrap: "anywhere" }}>
                {name}
              </Title>
              <Tooltip label="Edit name">
                <ActionIcon variant="subtle" aria-label="Edit name" onClick={startEdit}>
                  <span aria-hidden>✎</span>
                </ActionIcon>
              </Tooltip>
              {c.vip && (
                <Badge color="#8a5300" variant="filled">
                  VIP
                </Badge>
              )}
            </Group>
          )}
          <Text size="sm" c="dimmed">
            {c.company ? `${c.company} · ` : ""}Customer since {formatDate(c.created_at)} · LTV{" "}
            {formatMoney(c.lifetime_value_minor, c.currency)} · {countOf(c.interactions_count, INTERACTIONS)}
            {c.most_common_channel ? ` · mostly ${channelName(c.most_common_channel)}` : ""}
          </Text>
          <Group gap="xs" align="flex-end">
            <Select
              label="Stage"
              size="xs"
              w={150}
              allowDeselect={false}
              data={STAGES}
              value={c.lifecycle_stage}
              onChange={(v) => v && v !== c.lifecycle_stage && void change({ lifecycle_stage: v })}
              error={saver.fieldErrors.lifecycle_stage}
            />
            <Select
              label="Call status"
              size="xs"
              w={190}
              placeholder="Not set"
              data={CALL_STATUSES}
              value={c.call_status || null}
              onChange={(v) => v && v !== c.call_status && void change({ call_status: v })}
              error={saver.fieldErrors.call_status}
            />
            {sentiment}
          </Group>
          {!editing && saver.conflict && <ConflictNotice changes={saver.conflict} />}
          {saver.formError && (
            <Alert color="red" role="alert" p="xs">
              {saver.formError}
            </Alert>
          )}
        </Stack>
        {actions}
      </Group>
    </Paper>
  );
}
