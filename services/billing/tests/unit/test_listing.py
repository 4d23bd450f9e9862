"""The page size of billing's lists (domain/listing.py), checked by every list use case."""

from __future__ import annotations

import uuid

import pytest
from billing.adapters.repository import BookingFilter
from billing.domain.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_limit
from billing.service_layer import bookings, invoices, orders, payments, subscriptions
from billing_fakes import FakeBillingUnitOfWork
from moodline_kit.errors import InvalidArgument


def test_an_unset_page_size_is_the_default_and_one_outside_the_range_is_refused() -> None:
    assert page_limit(0) == DEFAULT_PAGE_SIZE
    assert page_limit(1) == 1 and page_limit(MAX_PAGE_SIZE) == MAX_PAGE_SIZE
    for bad in (-1, MAX_PAGE_SIZE + 1):
        with pytest.raises(InvalidArgument) as refused:
            page_limit(bad)
        assert refused.value.violations[0].field == "page_size"


@pytest.mark.parametrize(
    "use_case",
    [
        invoices.list_invoices,
        invoices.list_quotes,
        orders.list_orders,
        payments.list_payments,
        subscriptions.list_subscriptions,
    ],
)
async def test_every_list_refuses_a_page_over_the_maximum(use_case) -> None:  # type: ignore[no-untyped-def]
    uow = FakeBillingUnitOfWork()
    args = {"tenant_id": uuid.uuid4(), "customer_id": None, "statuses": (), "cursor": ""}
    with pytest.raises(InvalidArgument):
        await use_case(**args, limit=MAX_PAGE_SIZE + 1, uow=uow)
    assert (await use_case(**args, limit=0, uow=uow)).items == []


async def test_the_booking_list_refuses_a_page_over_the_maximum() -> None:
    uow = FakeBillingUnitOfWork()
    with pytest.raises(InvalidArgument):
        await bookings.list_bookings(
            tenant_id=uuid.uuid4(), filters=BookingFilter(), limit=MAX_PAGE_SIZE + 1, cursor="",
            uow=uow,
        )  # fmt: skip
