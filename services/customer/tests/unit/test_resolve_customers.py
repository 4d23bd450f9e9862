"""resolve_customers on the in-memory unit of work: a batch answers each contact as a single
resolve would, in one transaction."""

from __future__ import annotations

import uuid

import pytest
from customer.service_layer import handlers
from customer_fakes import FakeCustomerUnitOfWork
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument

TENANT = uuid.uuid4()
Contact = handlers.ContactToResolve


@pytest.fixture
def uow() -> FakeCustomerUnitOfWork:
    return FakeCustomerUnitOfWork()


async def resolve(uow, *contacts):  # type: ignore[no-untyped-def]
    command = handlers.ResolveCustomers(TENANT, tuple(contacts))
    return await handlers.resolve_customers(command=command, uow=uow)


async def test_new_known_repeated_and_invalid_contacts_in_one_batch(uow):
    ann, _ = await handlers.resolve_customer(
        command=handlers.ResolveCustomer(TENANT, email="ann@example.com"), uow=uow
    )
    answers = await resolve(
        uow,
        Contact(email=" ANN@example.com"),
        Contact(phone="415 555 0199", display_name="Bo"),
        Contact(phone="12"),
        Contact(phone="+1 415-555-0199", display_name="Not Bo"),
        Contact(),
    )
    ids = [(a[0].id, a[1]) if isinstance(a, tuple) else a for a in answers]
    assert ids[0] == (ann.id, False)
    bo, created = answers[1]  # type: ignore[misc]
    assert created and bo.first_name == "Bo" and bo.phones[0].number == "+14155550199"
    assert [c.to_stage for c in bo.stage_history] == ["prospect"]
    assert ids[3] == (bo.id, False)
    for i in (2, 4):
        assert isinstance(answers[i], InvalidArgument)
        assert answers[i].violations[0].field == "phone"  # type: ignore[union-attr]
    assert uow.subjects() == [subjects.CUSTOMER_CUSTOMER_CREATED] * 2
    assert uow.store.timeline[(TENANT, bo.id)][0].type == subjects.CUSTOMER_CUSTOMER_CREATED
    # the same batch again: the same customers, nothing created or published
    again = await resolve(uow, Contact(phone="(415) 555-0199"), Contact(email="ann@example.com"))
    assert [(c.id, created) for c, created in again] == [(bo.id, False), (ann.id, False)]  # type: ignore[misc]
    assert len(uow.store.customers) == 2 and len(uow.published) == 2


async def test_a_batch_of_only_invalid_contacts_writes_nothing(uow):
    answers = await resolve(uow, Contact(email="not-an-email"), Contact(phone="1", email="a@b.co"))
    assert [a.violations[0].field for a in answers] == ["email", "phone"]  # type: ignore[union-attr]
    assert uow.store.customers == {} and uow.published == []


@pytest.mark.parametrize("size", [0, 501])
async def test_an_empty_or_oversized_batch_is_refused(uow, size):
    with pytest.raises(InvalidArgument):
        await resolve(uow, *[Contact(email=f"x{i}@example.com") for i in range(size)])
