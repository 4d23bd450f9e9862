import { Alert, Button, Checkbox, Group, Modal, Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { ApiError, fieldErrorsByInput } from "@/lib/api/problem";
import { formatMoney, minorToInput, toMinor } from "@/lib/format";
import { useCreateBooking, useServices, useStaff } from "../api/billing";
import { defaultStart, fromLocalInput } from "../bookings";

const INPUTS = ["service_id", "staff_id", "starts_at", "ends_at", "amount_minor", "notes", "currency"] as const;

export function BookServiceModal({ customerId, opened, onClose }: { customerId: string; opened: boolean; onClose: () => void }) {
  const services = useServices();
  const staff = useStaff();
  const create = useCreateBooking(customerId);
  const [serviceId, setServiceId] = useState<string | null>(null);
  const [staffId, setStaffId] = useState<string | null>(null);
  const [start, setStart] = useState(defaultStart);
  const [notes, setNotes] = useState("");
  const [price, setPrice] = useState("");
  const [confirm, setConfirm] = useState(true);
  const errors = create.error instanceof ApiError ? fieldErrorsByInput(create.error.fieldErrors, INPUTS) : null;
  const active = (services.data?.items ?? []).filter((s) => s.status === "active");
  const service = active.find((s) => s.id === serviceId);
  const startsAt = fromLocalInput(start);
  // The service's price unless staff change it (a discount, an extra): what the booking is worth.
  const amountMinor = service ? toMinor(price, service.currency) : null;
  const priceProblem = service && (amountMinor === null || amountMinor < 0) ? "Enter a price of zero or more" : undefined;

  function chooseService(id: string | null) {
    setServiceId(id);
    const chosen = active.find((s) => s.id === id);
    setPrice(chosen ? minorToInput(chosen.price_minor, chosen.currency) : "");
  }

  function close() {
    create.reset();
    setServiceId(null);
    setStaffId(null);
    setStart(defaultStart());
    setNotes("");
    setPrice("");
    setConfirm(true);
    onClose();
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!service || !startsAt || amountMinor === null || amountMinor < 0) return;
    const created = await create
      .mutateAsync({
        customer_id: customerId,
        service_id: service.id,
        staff_id: staffId,
        starts_at: startsAt,
        amount_minor: amountMinor,
        currency: service.currency,
        notes: notes.trim(),
        confirm,
        party: [],
        location: "",
      })
      .catch(() => null);
    if (created) close();
  }

  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={opened} onClose={close} title="Book a service">
      <form onSubmit={submit} noValidate aria-label="Book a service">
        <Stack gap="sm">
          {create.error && (!errors || errors.unmatched.length > 0 || Object.keys(errors.byInput).length === 0) && (
            <Alert color="red" role="alert">
              {create.error.message}
            </Alert>
          )}
          <Select
            label="Service"
            required
            placeholder={services.isPending ? "Loading services…" : "Choose a service"}
            data={active.map((s) => ({ value: s.id, label: `${s.name} · ${s.duration_minutes} min · ${formatMoney(s.price_minor, s.currency)}` }))}
            value={serviceId}
            onChange={chooseService}
            error={errors?.byInput.service_id ?? (services.isError ? services.error.message : undefined)}
            nothingFoundMessage="No services: add them under Settings → Services"
            data-autofocus
          />
          <Select
            label="Staff member"
            clearable
            placeholder="Anyone"
            data={(staff.data?.items ?? []).filter((s) => s.status === "active").map((s) => ({ value: s.id, label: s.name }))}
            value={staffId}
            onChange={setStaffId}
            error={errors?.byInput.staff_id}
          />
          <TextInput
            label="Starts at"
            type="datetime-local"
            required
            value={start}
            onChange={(e) => setStart(e.currentTarget.value)}
            error={errors?.byInput.starts_at ?? (start && !startsAt ? "Pick a date and time" : undefined)}
          />
          <TextInput
            label={service ? `Price (${service.currency})` : "Price"}
            description={service && amountMinor !== service.price_minor && !priceProblem ? `The service's price is ${formatMoney(service.price_minor, service.currency)}` : undefined}
            inputMode="decimal"
            required
            disabled={!service}
            value={price}
            onChange={(e) => setPrice(e.currentTarget.value)}
            error={errors?.byInput.amount_minor ?? priceProblem}
          />
          <Textarea label="Notes" autosize minRows={2} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} error={errors?.byInput.notes} />
          <Checkbox label="Confirm now (counts toward lifetime value)" checked={confirm} onChange={(e) => setConfirm(e.currentTarget.checked)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!service || !startsAt || priceProblem !== undefined}>
              Book
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
