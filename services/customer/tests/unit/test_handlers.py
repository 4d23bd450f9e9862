"""The customer use cases on the in-memory unit of work (customer_fakes): what they store, what
they publish, and what they refuse."""

from __future__ import annotations

import uuid

import pytest
from customer.domain.profile import ProfileChanges
from customer.service_layer import handlers, profile
from customer_fakes import FakeCustomerUnitOfWork
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound, PreconditionFailed

TENANT, OTHER = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def uow() -> FakeCustomerUnitOfWork:
    return FakeCustomerUnitOfWork()


async def create(uow, **fields):  # type: ignore[no-untyped-def]
    command = handlers.CreateCustomer(tenant_id=TENANT, **{"first_name": "Ann", **fields})
    return await handlers.create_customer_handler(command=command, uow=uow)


async def test_create_stores_the_prospect_its_first_stage_and_publishes_created(uow):
    ann = await create(uow, phones=(("(415) 555-0134", True),))
    stored = await handlers.get_customer(tenant_id=TENANT, customer_id=str(ann.id), uow=uow)
    assert stored.phones[0].number == "+14155550134"
    assert [c.to_stage for c in stored.stage_history] == ["prospect"]
    assert uow.subjects() == [subjects.CUSTOMER_CUSTOMER_CREATED]
    assert uow.store.timeline[(TENANT, ann.id)][0].type == subjects.CUSTOMER_CUSTOMER_CREATED


async def test_another_tenants_customer_and_a_malformed_id_are_not_found(uow):
    ann = await create(uow)
    with pytest.raises(NotFound):
        await handlers.get_customer(tenant_id=OTHER, customer_id=str(ann.id), uow=uow)
    with pytest.raises(NotFound):
        await handlers.get_customer(tenant_id=TENANT, customer_id="not-an-id", uow=uow)


async def test_resolve_creates_one_prospect_per_contact_then_finds_it(uow):
    command = handlers.ResolveCustomer(tenant_id=TENANT, phone="415 555 0199", display_name="Bo")
    first, created = await handlers.resolve_customer(command=command, uow=uow)
    again, created_again = await handlers.resolve_customer(command=command, uow=uow)
    assert (created, created_again) == (True, False)
    assert again.id == first.id and first.first_name == "Bo"
    assert uow.subjects() == [subjects.CUSTOMER_CUSTOMER_CREATED]


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"phone": "555-01", "email": "a@b.co"}, "phone"), ({"phone": "12"}, "phone")],
)
async def test_resolve_refuses_bad_input_and_writes_nothing(uow, fields, field):
    with pytest.raises(InvalidArgument) as exc:
        await handlers.resolve_customer(
            command=handlers.ResolveCustomer(tenant_id=TENANT, **fields), uow=uow
        )
    assert exc.value.violations[0].field == field
    assert uow.store.customers == {} and uow.published == []


async def test_update_bumps_the_version_and_publishes_updated(uow):
    ann = await create(uow)
    command = profile.UpdateCustomer(
        TENANT, str(ann.id), expected_version=1, changes=ProfileChanges({"last_name": "Lee"})
    )
    updated = await profile.update_customer(command=command, uow=uow)
    assert (updated.last_name, updated.version) == ("Lee", 2)
    assert uow.subjects()[-1] == subjects.CUSTOMER_CUSTOMER_UPDATED


async def test_a_stale_version_is_refused_and_nothing_changes(uow):
    ann = await create(uow)
    command = profile.UpdateCustomer(
        TENANT, str(ann.id), expected_version=7, changes=ProfileChanges({"last_name": "Lee"})
    )
    with pytest.raises(PreconditionFailed):
        await profile.update_customer(command=command, uow=uow)
    stored = await handlers.get_customer(tenant_id=TENANT, customer_id=str(ann.id), uow=uow)
    assert (stored.last_name, stored.version) == ("", 1)
    assert uow.subjects() == [subjects.CUSTOMER_CUSTOMER_CREATED]


async def test_tags_are_added_and_removed_once(uow):
    ann = await create(uow)
    tagged = await profile.modify_tags(
        tenant_id=TENANT, customer_id=str(ann.id), add=["vip", "vip", "late"], remove=[], uow=uow
    )
    assert tagged.tags == ["vip", "late"]
    untagged = await profile.modify_tags(
        tenant_id=TENANT, customer_id=str(ann.id), add=[], remove=["vip"], uow=uow
    )
    assert untagged.tags == ["late"]


async def test_delete_needs_confirmation_then_publishes_deleted(uow):
    ann = await create(uow)
    with pytest.raises(InvalidArgument):
        await profile.delete_customer(
            tenant_id=TENANT, customer_id=str(ann.id), expected_version=None, confirm=False, uow=uow
        )
    await profile.delete_customer(
        tenant_id=TENANT, customer_id=str(ann.id), expected_version=None, confirm=True, uow=uow
    )
    assert not await uow.customers.exists(TENANT, ann.id)
    assert uow.subjects()[-1] == subjects.CUSTOMER_CUSTOMER_DELETED


async def test_settings_are_validated_field_by_field(uow):
    with pytest.raises(InvalidArgument) as exc:
        await handlers.update_settings(
            tenant_id=TENANT,
            country="XX",
            high_value_ltv_minor=-1,
            recent_days=0,
            inactive_days=0,
            uow=uow,
        )
    assert {v.field for v in exc.value.violations} == {"default_country", "high_value_ltv_minor"}
    country, thresholds = await handlers.update_settings(
        tenant_id=TENANT,
        country="gb",
        high_value_ltv_minor=0,
        recent_days=7,
        inactive_days=0,
        uow=uow,
    )
    assert (country, thresholds.recent_days) == ("GB", 7)
    assert await handlers.get_default_country(tenant_id=TENANT, uow=uow) == "GB"
