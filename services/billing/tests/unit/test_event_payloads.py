"""The payloads of billing's events (adapters/events.py) as the use cases emit them: the
message type of each subject and what each carries beside the entity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from billing.service_layer import bookings
from billing_fakes import FakeBillingUnitOfWork
from moodline.events.v1 import billing_pb2 as events
from moodline.events.v1 import subjects

TENANT = uuid.uuid4()
START = datetime.now(UTC) + timedelta(days=1)


async def _booked(uow: FakeBillingUnitOfWork, *, confirm: bool) -> uuid.UUID:
    command = bookings.CreateBooking(
        tenant_id=TENANT, customer_id=uuid.uuid4(), starts_at=START,
        ends_at=START + timedelta(hours=1), currency="USD", price_minor=1_000, confirm=confirm,
    )  # fmt: skip
    return (await bookings.create_booking(command=command, uow=uow)).id


async def _transition(uow: FakeBillingUnitOfWork, booking_id: uuid.UUID, action: str):  # type: ignore[no-untyped-def]
    await bookings.transition_booking(
        tenant_id=TENANT, booking_id=booking_id, action=action, reason="ill", uow=uow
    )
    return [e for e in uow.published if e.subject.startswith("billing.booking.")][-1]


async def test_each_booking_transition_emits_its_own_message_about_the_booking() -> None:
    uow = FakeBillingUnitOfWork()
    expected = {
        "confirm": (subjects.BILLING_BOOKING_CONFIRMED, events.BookingConfirmed),
        "complete": (subjects.BILLING_BOOKING_COMPLETED, events.BookingCompleted),
    }
    pending = await _booked(uow, confirm=False)
    for action, (subject, message) in expected.items():
        event = await _transition(uow, pending, action)
        assert (event.subject, type(event.payload)) == (subject, message)
        assert event.payload.booking.id == str(pending)
    no_show = await _transition(uow, await _booked(uow, confirm=True), "no_show")
    assert (no_show.subject, type(no_show.payload)) == (
        subjects.BILLING_BOOKING_NO_SHOWED,
        events.BookingNoShowed,
    )
    assert no_show.payload.customer_id == no_show.payload.booking.customer_id


async def test_a_cancellation_says_whether_the_booking_was_confirmed() -> None:
    uow = FakeBillingUnitOfWork()
    confirmed = await _transition(uow, await _booked(uow, confirm=True), "cancel")
    pending = await _transition(uow, await _booked(uow, confirm=False), "cancel")
    for event, was_confirmed in ((confirmed, True), (pending, False)):
        assert isinstance(event.payload, events.BookingCancelled)
        assert event.payload.was_confirmed is was_confirmed
        assert event.payload.booking.cancellation_reason == "ill"
