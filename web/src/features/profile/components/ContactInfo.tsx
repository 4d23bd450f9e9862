import { Alert, Anchor, Button, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { channelName } from "@/lib/format";
import type { VersionedCustomer } from "../api/profile";
import { primaryEmail, primaryPhone, rebaseDraft, withPrimary } from "../conflict";
import { useSaveCustomer } from "../hooks/useSaveCustomer";
import { ConflictNotice } from "./ConflictNotice";
import { FormActions } from "./FormActions";

const INPUTS = ["phones", "emails", "company", "preferred_channel", "language", "timezone", "preferred_contact_time"] as const;
const CHANNELS = ["phone", "sms", "whatsapp", "email", "webchat"].map((value) => ({ value, label: channelName(value) }));

interface Draft {
  phone: string;
  email: string;
  company: string;
  preferred_channel: string;
  language: string;
  timezone: string;
  preferred_contact_time: string;
}

function draftOf({ customer: c }: VersionedCustomer): Draft {
  return {
    phone: primaryPhone(c),
    email: primaryEmail(c),
    company: c.company,
    preferred_channel: c.preferred_channel,
    language: c.language,
    timezone: c.timezone,
    preferred_contact_time: c.preferred_contact_time,
  };
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" fw={600}>
        {label}
      </Text>
      <Text size="sm">{children || <Text span c="dimmed" size="sm">—</Text>}</Text>
    </div>
  );
}

export function ContactInfo({ value }: { value: VersionedCustomer }) {
  const c = value.customer;
  const [editing, setEditing] = useState(false);
  const [base, setBase] = useState(value);
  const [draft, setDraft] = useState<Draft>(() => draftOf(value));
  const saver = useSaveCustomer(c.id, INPUTS);

  function start() {
    setBase(value);
    setDraft(draftOf(value));
    saver.reset();
    setEditing(true);
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const current = base;
    const original = draftOf(current);
    const patch: Record<string, unknown> = {};
    if (draft.phone.trim() !== original.phone) {
      patch.phones = withPrimary(current.customer.phones, draft.phone.trim(), (number) => ({ number, primary: true }), (p) => p.number);
    }
    if (draft.email.trim() !== original.email) {
      patch.emails = withPrimary(current.customer.emails, draft.email.trim(), (address) => ({ address, primary: true }), (e) => e.address);
    }
    for (const key of ["company", "preferred_channel", "language", "timezone", "preferred_contact_time"] as const) {
      if (draft[key].trim() !== original[key]) patch[key] = draft[key].trim();
    }
    if (Object.keys(patch).length === 0) {
      setEditing(false);
      return;
    }
    const outcome = await saver.save(patch, current);
    if (outcome === "saved") setEditing(false);
    else if (outcome !== "failed") {
      setDraft(rebaseDraft(draft, original, draftOf(outcome.conflict)));
      setBase(outcome.conflict);
    }
  }

  const set = (key: keyof Draft) => (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [key]: e.currentTarget.value });
  const phone = primaryPhone(c);
  const email = primaryEmail(c);

  return (
    <Paper withBorder p="sm" radius="md" component="section" aria-labelledby="contact-heading">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5" id="contact-heading">
          Contact info
        </Title>
        {!editing && (
          <Button size="xs" variant="light" onClick={start}>
            Edit contact info
          </Button>
        )}
      </Group>
      {editing ? (
        <form onSubmit={submit} noValidate aria-label="Edit contact info">
          <Stack gap="xs">
            {saver.conflict && <ConflictNotice changes={saver.conflict} />}
            {saver.formError && (
              <Alert color="red" role="alert">
                {saver.formError}
              </Alert>
            )}
            <SimpleGrid cols={2} spacing="xs">
              <TextInput label="Phone" type="tel" value={draft.phone} onChange={set("phone")} error={saver.fieldErrors.phones} data-autofocus />
              <TextInput label="Email" type="email" value={draft.email} onChange={set("email")} error={saver.fieldErrors.emails} />
              <TextInput label="Company" value={draft.company} onChange={set("company")} error={saver.fieldErrors.company} />
              <Select
                label="Preferred channel"
                clearable
                data={CHANNELS}
                value={draft.preferred_channel || null}
                onChange={(v) => setDraft({ ...draft, preferred_channel: v ?? "" })}
                error={saver.fieldErrors.preferred_channel}
              />
              <TextInput label="Language" placeholder="e.g. en" value={draft.language} onChange={set("language")} error={saver.fieldErrors.language} />
              <TextInput label="Timezone" placeholder="e.g. America/New_York" value={draft.timezone} onChange={set("timezone")} error={saver.fieldErrors.timezone} />
              <TextInput label="Preferred contact time" value={draft.preferred_contact_time} onChange={set("preferred_contact_time")} error={saver.fieldErrors.preferred_contact_time} />
            </SimpleGrid>
            <FormActions saveLabel="Save contact info" saving={saver.saving} onCancel={() => setEditing(false)} />
          </Stack>
        </form>
      ) : (
        <SimpleGrid cols={3} spacing="xs">
          <Field label="Phone">{phone && <Anchor href={`tel:${phone}`} size="sm">{phone}</Anchor>}</Field>
          <Field label="Email">{email && <Anchor href={`mailto:${email}`} size="sm">{email}</Anchor>}</Field>
          <Field label="Company">{c.company}</Field>
          <Field label="Preferred channel">{channelName(c.preferred_channel)}</Field>
          <Field label="Language">{c.language}</Field>
          <Field label="Timezone">{c.timezone}</Field>
          {c.phones.length > 1 && <Field label="Other phones">{c.phones.filter((p) => p.number !== phone).map((p) => p.number).join(", ")}</Field>}
          {c.emails.length > 1 && <Field label="Other emails">{c.emails.filter((e) => e.address !== email).map((e) => e.address).join(", ")}</Field>}
          <Field label="Preferred contact time">{c.preferred_contact_time}</Field>
        </SimpleGrid>
      )}
    </Paper>
  );
}
