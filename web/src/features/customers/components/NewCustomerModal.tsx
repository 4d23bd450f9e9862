import { Alert, Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useState } from "react";
import { fieldErrorsByInput } from "@/lib/api/problem";
import { ApiError } from "@/lib/api/problem";
import { useCreateCustomer } from "../api/customers";

interface Props {
  opened: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
}

const INPUTS = ["first_name", "last_name", "company", "phones", "emails"] as const;

export function NewCustomerModal({ opened, onClose, onCreated }: Props) {
  const create = useCreateCustomer();
  const [form, setForm] = useState({ first_name: "", last_name: "", company: "", phone: "", email: "" });
  const errors = create.error instanceof ApiError ? fieldErrorsByInput(create.error.fieldErrors, INPUTS) : null;

  function close() {
    create.reset();
    setForm({ first_name: "", last_name: "", company: "", phone: "", email: "" });
    onClose();
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    const created = await create
      .mutateAsync({
        first_name: form.first_name.trim(),
        last_name: form.last_name.trim(),
        company: form.company.trim(),
        phones: form.phone.trim() ? [{ number: form.phone.trim(), primary: true }] : [],
        emails: form.email.trim() ? [{ address: form.email.trim(), primary: true }] : [],
      })
      .catch(() => null);
    if (created) {
      close();
      onCreated(created.id);
    }
  }

  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.currentTarget.value });

  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={opened} onClose={close} title="New customer">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {create.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
            <Alert color="red" role="alert">
              {create.error.message}
            </Alert>
          )}
          <Group grow>
            <TextInput label="First name" required value={form.first_name} onChange={set("first_name")} error={errors?.byInput.first_name} data-autofocus />
            <TextInput label="Last name" value={form.last_name} onChange={set("last_name")} error={errors?.byInput.last_name} />
          </Group>
          <TextInput label="Phone" type="tel" value={form.phone} onChange={set("phone")} error={errors?.byInput.phones} />
          <TextInput label="Email" type="email" value={form.email} onChange={set("email")} error={errors?.byInput.emails} />
          <TextInput label="Company" value={form.company} onChange={set("company")} error={errors?.byInput.company} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!form.first_name.trim()}>
              Create customer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
