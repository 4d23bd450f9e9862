"""Booking use cases. Keyword-only, one unit of work each; no SQL and no protobuf parsing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound
from moodline_kit.events import Event

from billing.adapters import events
from billing.adapters.repository import BookingFilter, Page
from billing.domain import bookings as rules
from billing.domain.bookings import Booking, BookingStatus, PartyMember
from billing.domain.listing import page_limit
from billing.service_layer.unit_of_work import BillingUnitOfWork
from billing.service_layer.value import UowFactory, publish_values


@dataclass(frozen=True)
class CreateBooking:
    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime | None
    currency: str
    price_minor: int | None = None
    service_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    party: tuple[PartyMember, ...] = ()
    notes: str = ""
    location: str = ""
    confirm: bool = False


async def _service_and_staff(
    work: BillingUnitOfWork,
    tenant_id: uuid.UUID,
    service_id: uuid.UUID | None,
    staff_id: uuid.UUID | None,
):  # type: ignore[no-untyped-def]
    service = None
    if service_id is not None:
        service = await work.catalog.get_service(tenant_id, service_id)
        if service is None:
            raise InvalidArgument.of("service_id", "no such service in the catalogue")
    if staff_id is not None and await work.catalog.get_staff(tenant_id, staff_id) is None:
        raise InvalidArgument.of("staff_id", "no such staff member")
    return service


def _event(subject: str, booking: Booking, payload: Message) -> Event:
    return Event(subject, booking.tenant_id, str(booking.id), payload)


async def _publish_values(work: BillingUnitOfWork, *bookings_: Booking) -> None:
    """Everyone whose figures a counted booking's change moves: who booked, customer party
    members, and payers (their refunds on it count only while it counts)."""
    customers: set[uuid.UUID] = set()
    for b in bookings_:
        customers |= b.customers()
        customers |= await work.payments.payers_of_booking(b.tenant_id, b.id)
    await publish_values(work, bookings_[0].tenant_id, customers)


async def create_booking(*, command: CreateBooking, uow: UowFactory) -> Booking:
    now = datetime.now(UTC)
    async with uow() as work:
        service = await _service_and_staff(
            work, command.tenant_id, command.service_id, command.staff_id
        )
        ends_at = command.ends_at
        if ends_at is None:
            if service is None:
                raise InvalidArgument.of("ends_at", "required without a service_id")
            ends_at = command.starts_at + timedelta(minutes=service.duration_minutes)
        price, currency = command.price_minor, command.currency
        if price is None:
            if service is None:
                raise InvalidArgument.of("amount_minor", "required without a service_id")
            price, currency = service.price_minor, service.currency
        booking = Booking(
            id=uuid.uuid4(),
            tenant_id=command.tenant_id,
            customer_id=command.customer_id,
            service_id=command.service_id,
            service_name=service.name if service else "",
            staff_id=command.staff_id,
            starts_at=command.starts_at,
            ends_at=ends_at,
            price_minor=price,
            currency=currency,
            party=list(command.party),
            notes=command.notes,
            location=command.location,
            created_at=now,
            updated_at=now,
        )
        rules.validate(booking, tenant_currency=await work.settings.currency(command.tenant_id))
        if command.confirm:
            booking.status = BookingStatus.CONFIRMED
            booking.confirmed_at = now
        await work.bookings.add(booking)
        work.emit(
            _event(subjects.BILLING_BOOKING_CREATED, booking, events.booking_created(booking))
        )
        if command.confirm:
            work.emit(
                _event(
                    subjects.BILLING_BOOKING_CONFIRMED, booking, events.booking_confirmed(booking)
                )
            )
            await publish_values(work, command.tenant_id, booking.customers())
        await work.commit()
    return booking


async def _get(work: BillingUnitOfWork, tenant_id: uuid.UUID, booking_id: uuid.UUID) -> Booking:
    booking = await work.bookings.get(tenant_id, booking_id, for_update=True)
    return NotFound.unless(booking, f"booking {booking_id} not found")


async def get_booking(*, tenant_id: uuid.UUID, booking_id: uuid.UUID, uow: UowFactory) -> Booking:
    async with uow() as work:
        booking = await work.bookings.get(tenant_id, booking_id)
    return NotFound.unless(booking, f"booking {booking_id} not found")


async def list_bookings(
    *, tenant_id: uuid.UUID, filters: BookingFilter, limit: int, cursor: str, uow: UowFactory
) -> Page:
    limit = page_limit(limit)
    async with uow() as work:
        return await work.bookings.list(tenant_id, filters, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class UpdateBooking:
    tenant_id: uuid.UUID
    booking_id: uuid.UUID
    # REST names (rules.UPDATABLE) -> new values (UUIDs, datetimes, PartyMember lists...).
    changes: dict[str, object] = field(default_factory=dict)


async def update_booking(*, command: UpdateBooking, uow: UowFactory) -> Booking:
    now = datetime.now(UTC)
    async with uow() as work:
        before = await _get(work, command.tenant_id, command.booking_id)
        after = rules.reschedule(before, command.changes, now)
        if "service_id" in command.changes or "staff_id" in command.changes:
            service = await _service_and_staff(
                work,
                command.tenant_id,
                after.service_id if "service_id" in command.changes else None,
                after.staff_id if "staff_id" in command.changes else None,
            )
            if service is not None:
                after.service_name = service.name
        rules.validate(after, tenant_currency=await work.settings.currency(command.tenant_id))
        await work.bookings.update(after)
        if (after.starts_at, after.ends_at) != (before.starts_at, before.ends_at):
            work.emit(
                _event(
                    subjects.BILLING_BOOKING_RESCHEDULED,
                    after,
                    events.booking_rescheduled(after, before.starts_at),
                )
            )
        if after.counted and (
            after.price_minor != before.price_minor or after.party != before.party
        ):
            await _publish_values(work, before, after)
        await work.commit()
    return after


# action -> (subject, payload of the booking and its status before)
_TRANSITION_EVENTS: dict[str, tuple[str, Callable[[Booking, BookingStatus], Message]]] = {
    "confirm": (subjects.BILLING_BOOKING_CONFIRMED, lambda b, _: events.booking_confirmed(b)),
    "cancel": (
        subjects.BILLING_BOOKING_CANCELLED,
        lambda b, previous: events.booking_cancelled(
            b, was_confirmed=previous is BookingStatus.CONFIRMED
        ),
    ),
    "complete": (subjects.BILLING_BOOKING_COMPLETED, lambda b, _: events.booking_completed(b)),
    "no_show": (subjects.BILLING_BOOKING_NO_SHOWED, lambda b, _: events.booking_no_showed(b)),
}


async def transition_booking(
    *,
    tenant_id: uuid.UUID,
    booking_id: uuid.UUID,
    action: str,
    reason: str = "",
    uow: UowFactory,
) -> Booking:
    """confirm | cancel | complete | no_show (409 when the status does not allow it)."""
    now = datetime.now(UTC)
    async with uow() as work:
        booking = await _get(work, tenant_id, booking_id)
        previous = booking.apply(action, now, reason)
        await work.bookings.update(booking)
        subject, payload = _TRANSITION_EVENTS[action]
        work.emit(_event(subject, booking, payload(booking, previous)))
        if (previous in rules.COUNTED) != booking.counted:
            await _publish_values(work, booking)
        await work.commit()
    return booking
