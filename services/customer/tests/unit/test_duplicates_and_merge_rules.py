"""Duplicate scoring and profile merging: pure rules."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from customer.domain import duplicates, merge
from customer.domain.model import Customer, Email, Phone
from moodline_kit.errors import InvalidArgument


def person(first, last="", company="", phones=(), emails=()):
    return duplicates.Person(first, last, company, frozenset(phones), frozenset(emails))


def test_a_shared_phone_or_email_is_strong_evidence_named_in_the_reasons():
    scored = duplicates.score(
        person("Ann", "Lee", phones={"+14155550101"}), person("Bob", "Ray", phones={"+14155550101"})
    )
    assert scored.value == 90 and [r.kind for r in scored.reasons] == ["phone"]
    both = duplicates.score(
        person("Ann", "Lee", emails={"a@x.example"}), person("Ann", "Lee", emails={"a@x.example"})
    )
    assert both.value == 100 and {r.kind for r in both.reasons} == {"email", "name"}


def test_similar_names_weigh_the_company_and_ignore_word_order():
    assert duplicates.score(person("Ann", "Lee"), person("Lee", "Ann")).value == 100
    same_company = duplicates.score(
        person("Liam", "Chen", "Chen Dental"), person("Liam", "Chen", "Chen Dental")
    )
    other_company = duplicates.score(
        person("Liam", "Chen", "Chen Dental"), person("Liam", "Chen", "Blue Bakery")
    )
    assert same_company.value == 100 and other_company.value < 85
    assert (
        duplicates.score(person("Olivia", "Martinez"), person("Noah", "Brown")).value
        < duplicates.DEFAULT_MIN_SCORE
    )
    assert duplicates.score(person("Olivia", "Martinez"), person("Noah", "Brown")).reasons == ()


def customer(first, **kw):
    return Customer(id=uuid.uuid4(), tenant_id=uuid.UUID(int=1), first_name=first, **kw)


def test_merge_unites_contacts_keeps_the_survivors_values_and_adds_up_the_read_model():
    now = datetime.now(UTC)
    survivor = customer("Ann", phones=[Phone("+14155550101", True)], tags=["vip"])
    duplicate = customer(
        "Annie",
        company="Glow",
        phones=[Phone("+14155550102", True), Phone("+14155550101")],
        emails=[Email("ann@x.example", True)],
        tags=["new", "vip"],
    )
    survivor.read.interactions_count, duplicate.read.interactions_count = 2, 3
    survivor.read.channel_counts, duplicate.read.channel_counts = {"sms": 2}, {"email": 3}
    survivor.read.last_contact_at = now - timedelta(days=3)
    duplicate.read.last_contact_at = now
    result, sources = merge.merge_profiles(survivor, duplicate, {})
    assert result.first_name == "Ann" and result.company == "Glow"  # empty -> the duplicate's
    assert sources["first_name"] == "survivor" and sources["company"] == "duplicate"
    assert [(p.number, p.primary) for p in result.phones] == [
        ("+14155550101", True),
        ("+14155550102", False),
    ]
    assert [(e.address, e.primary) for e in result.emails] == [("ann@x.example", True)]
    assert result.tags == ["vip", "new"]
    assert result.read.interactions_count == 5 and result.read.most_common_channel == "email"
    assert result.read.last_contact_at == now
    assert survivor.first_name == "Ann" and len(survivor.phones) == 1  # inputs untouched


def test_chosen_fields_come_from_the_duplicate_and_bad_choices_are_named():
    survivor = customer("Ann", custom_fields={"size": "M", "colour": "red"})
    duplicate = customer("Annie", custom_fields={"size": "L", "pet": "cat"})
    result, _ = merge.merge_profiles(
        survivor, duplicate, {"first_name": "duplicate", "custom_fields": "duplicate"}
    )
    assert result.first_name == "Annie"
    assert result.custom_fields == {"size": "L", "colour": "red", "pet": "cat"}
    with pytest.raises(InvalidArgument) as bad:
        merge.merge_profiles(survivor, duplicate, {"id": "duplicate", "company": "mine"})
    assert sorted(v.field for v in bad.value.violations) == ["fields.company", "fields.id"]


async def test_the_operations_consumer_ignores_events_that_are_no_answer():
    """A NATS server before 2.10 ignores filter_subjects: the consumer sees the whole stream."""
    from customer.entrypoints import consumers
    from moodline.events.v1 import envelope_pb2

    other = envelope_pb2.EventEnvelope(
        type="loyalty.enrolment.created", tenant_id=str(uuid.UUID(int=1))
    )
    assert await consumers.on_answer(other, work=None) is None  # type: ignore[arg-type]
