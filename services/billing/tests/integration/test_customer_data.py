"""A merge and an erasure in billing's tables (adapters/customer_data.py) on PostgreSQL, run as
the customer-data consumer runs them: everything the duplicate had (as booker or party member)
moves to the survivor, and an erasure blanks free text and provider ids but keeps amounts."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from billing.domain.bookings import PartyMember
from billing.domain.invoices import LineItem
from billing.domain.payments import PaymentMethod
from billing.service_layer import bookings, customer_data, invoices, payments

pytestmark = pytest.mark.integration


async def test_a_merge_moves_everything_and_an_erasure_keeps_only_the_amounts(billing_service):
    uow = billing_service.container.uow
    tenant, gone, kept, friend = (uuid.uuid4() for _ in range(4))
    start = datetime.now(UTC) + timedelta(days=3)

    async def book(customer, at, party=(), **kw):  # type: ignore[no-untyped-def]
        command = bookings.CreateBooking(
            tenant_id=tenant, customer_id=customer, starts_at=at, ends_at=at + timedelta(hours=1),
            currency="USD", price_minor=3_000, party=party, confirm=True, **kw,
        )  # fmt: skip
        return await bookings.create_booking(command=command, uow=uow)

    own = await book(gone, start, notes="allergic to nuts", location="home")
    guest = await book(friend, start + timedelta(days=1), party=(PartyMember(gone, "Gone", 500),))
    paid, _ = await payments.record_payment(
        command=payments.RecordPayment(
            tenant_id=tenant, customer_id=gone, amount_minor=3_000, currency="USD",
            method=PaymentMethod.CASH, provider="manual", provider_payment_id="till-1",
            booking_id=own.id,
        ),
        uow=uow,
    )  # fmt: skip
    bill = await invoices.create_invoice(
        command=invoices.CreateInvoice(tenant, gone, (LineItem("Repair", 1, 700),), "USD"), uow=uow
    )
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, tenant, gone, kept)
        await work.commit()
    async with uow() as work:
        assert (await work.bookings.get(tenant, own.id)).customer_id == kept
        moved = await work.bookings.get(tenant, guest.id)
        assert [m.customer_id for m in moved.party] == [kept]
        assert (await work.payments.get(tenant, paid.id)).customer_id == kept
        assert (await work.invoices.get(tenant, bill.id)).customer_id == kept
        assert {b.id for b in await work.bookings.involving(tenant, kept)} == {own.id, guest.id}
        assert await work.bookings.involving(tenant, gone) == []
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, tenant, kept)
        await work.commit()
    async with uow() as work:
        erased = await work.bookings.get(tenant, own.id)
        assert (erased.notes, erased.location, erased.price_minor) == ("", "", 3_000)
        assert [m.name for m in (await work.bookings.get(tenant, guest.id)).party] == [""]
        payment = await work.payments.get(tenant, paid.id)
        assert payment.provider_payment_id == f"erased:{paid.id}" and payment.amount_minor == 3_000
