import uuid

import pytest
from customer.domain import contacts
from customer.domain.model import LifecycleStage, create_customer
from moodline_kit.errors import InvalidArgument

TENANT = uuid.uuid4()


def make(**kwargs):
    defaults = {"tenant_id": TENANT, "first_name": "Ann", "default_region": "US"}
    return create_customer(**{**defaults, **kwargs})


def violations(exc: pytest.ExceptionInfo[InvalidArgument]) -> dict[str, str]:
    return {v.field: v.description for v in exc.value.violations}


def test_national_numbers_are_read_in_the_tenant_country_and_stored_e164():
    us = make(phones=[("(415) 555-2671", False)])
    gb = make(phones=[("07911 123456", False)], default_region="GB")
    assert us.phones[0].number == "+14155552671"
    assert gb.phones[0].number == "+447911123456"


def test_numbers_with_a_country_code_ignore_the_default_country():
    assert make(phones=[("+44 7911 123456", False)]).phones[0].number == "+447911123456"


def test_first_contact_becomes_primary_when_none_is_marked():
    c = make(
        phones=[("4155552671", False), ("4155552672", False)],
        emails=[("a@example.com", False), ("b@example.com", True)],
    )
    assert [p.primary for p in c.phones] == [True, False]
    assert [e.primary for e in c.emails] == [False, True]


def test_new_customers_start_as_prospects_with_trimmed_names():
    c = make(first_name="  Ann ", last_name=" Lee ")
    assert (c.first_name, c.last_name, c.lifecycle_stage) == ("Ann", "Lee", LifecycleStage.PROSPECT)


def test_emails_are_normalised_to_lower_case():
    assert make(emails=[("Ann.Lee@Example.COM", True)]).emails[0].address == "ann.lee@example.com"


def test_every_bad_field_is_named_at_once():
    with pytest.raises(InvalidArgument) as exc:
        make(first_name=" ", phones=[("12", False)], emails=[("not-an-email", False)])
    assert set(violations(exc)) == {"first_name", "phones[0].number", "emails[0].address"}


@pytest.mark.parametrize("raw", ["+1 555", "abc", "415555267199999", "+999 123456"])
def test_invalid_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidArgument) as exc:
        make(phones=[(raw, False)])
    assert "phones[0].number" in violations(exc)


def test_a_number_valid_elsewhere_is_invalid_for_the_default_country():
    with pytest.raises(InvalidArgument) as exc:
        make(phones=[("07911 123456", False)], default_region="US")
    assert "not a valid phone number in US" in violations(exc)["phones[0].number"]


def test_two_primaries_and_duplicates_are_refused():
    with pytest.raises(InvalidArgument) as exc:
        make(
            phones=[("4155552671", True), ("4155552672", True)],
            emails=[("a@example.com", False), ("A@example.com", False)],
        )
    found = violations(exc)
    assert "phones" in found and "emails[1].address" in found


def test_names_over_the_limit_are_refused():
    with pytest.raises(InvalidArgument) as exc:
        make(first_name="x" * 101)
    assert "first_name" in violations(exc)


def test_search_document_finds_phones_with_or_without_country_code():
    doc = make(
        phones=[("07911 123456", False)],
        emails=[("ann@example.com", False)],
        company="Glow Salon",
        default_region="GB",
    ).search_document
    for needle in ("447911123456", "7911123456", "07911123456", "glow salon", "ann@example"):
        assert needle in doc


@pytest.mark.parametrize(
    ("query", "expected"),
    [("555-2671", True), ("+1 (415)", True), ("12", False), ("ann", False), ("ann 555", False)],
)
def test_phone_like_queries(query, expected):
    assert contacts.looks_like_phone(query) is expected
