"""Enrolment input and what a customer's program list shows (next expiry)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from loyalty.domain.enrolment import Enrolment, Status, end_of, next_expiry, validate_new
from loyalty.domain.ledger import Lot
from loyalty.domain.program import Kind, Program
from moodline_kit.errors import InvalidArgument

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def program(**kw) -> Program:
    return Program(uuid.uuid4(), uuid.uuid4(), "Stars", Kind.POINTS, **kw)


def test_bad_input_names_each_field():
    with pytest.raises(InvalidArgument) as err:
        validate_new(
            program(),
            customer_id="nope",
            starting_balance=-1,
            expires_on="2026-13-01",
            notes="x" * 2001,
            today=TODAY,
            prefix="entries[2].",
        )
    assert {v.field for v in err.value.violations} == {
        "entries[2].customer_id",
        "entries[2].starting_balance",
        "entries[2].expires_on",
        "entries[2].notes",
    }


def test_past_date_refused_negative_start_only_where_allowed():
    customer = str(uuid.uuid4())
    with pytest.raises(InvalidArgument) as err:
        validate_new(
            program(),
            customer_id=customer,
            starting_balance=0,
            expires_on="2026-11-30",
            notes="",
            today=TODAY,
        )
    assert err.value.violations[0].field == "expires_on"
    row = validate_new(
        program(allow_negative_balance=True),
        customer_id=customer,
        starting_balance=-5,
        expires_on="2026-12-01",
        notes="",
        today=TODAY,
    )
    assert row.starting_balance == -5 and row.expires_on == TODAY


def enrolment(balance: int, expires_on: date | None = None) -> Enrolment:
    return Enrolment(
        uuid.uuid4(),
        uuid.uuid4(),
        uuid.uuid4(),
        uuid.uuid4(),
        Status.ACTIVE,
        balance,
        0,
        0,
        1,
        expires_on,
        "",
        NOW,
        NOW,
    )


def test_next_expiry_is_the_soonest_lot_or_the_whole_enrolment():
    soon = NOW + timedelta(days=3)
    lots = [
        Lot(uuid.uuid4(), 1, soon, 10),
        Lot(uuid.uuid4(), 2, soon, 5),
        Lot(uuid.uuid4(), 3, None, 40),
    ]
    assert next_expiry(enrolment(55), lots) == (soon, 15)
    assert next_expiry(enrolment(55, TODAY), lots) == (end_of(TODAY), 55)
    assert next_expiry(enrolment(40), lots[2:]) == (None, 0)
