"""Program rules: earning per currency unit / per visit / multiplier, rounding, validation."""

import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from loyalty.domain.program import (
    EarnRule,
    ExpiryPolicy,
    Kind,
    Program,
    ProgramFields,
    Rounding,
    Trigger,
    apply_fields,
    round_amount,
)
from moodline_kit.errors import InvalidArgument

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def program(**kw) -> Program:
    return Program(uuid.uuid4(), uuid.uuid4(), "Stars", Kind.POINTS, currency="USD", **kw)


def test_one_point_per_dollar_rounds_down_by_default():
    p = program(earn_rules=(EarnRule(Trigger.PAYMENT_SUCCEEDED, 1, 100),))
    assert p.earn(Trigger.PAYMENT_SUCCEEDED, spent_minor=1999, currency="USD") == 19
    assert p.earn(Trigger.PAYMENT_SUCCEEDED, spent_minor=99, currency="usd") == 0


@pytest.mark.parametrize(
    ("rounding", "expected"), [(Rounding.DOWN, 19), (Rounding.NEAREST, 20), (Rounding.UP, 20)]
)
def test_rounding(rounding, expected):
    p = program(rounding=rounding, earn_rules=(EarnRule(Trigger.PAYMENT_SUCCEEDED, 1, 100),))
    assert p.earn(Trigger.PAYMENT_SUCCEEDED, spent_minor=1950, currency="USD") == expected


def test_round_amount_half_up_and_exact():
    assert round_amount(Fraction(5, 2), Rounding.NEAREST) == 3
    assert round_amount(Fraction(12, 5), Rounding.NEAREST) == 2
    assert round_amount(Fraction(4), Rounding.UP) == 4
    assert round_amount(Fraction(41, 10), Rounding.UP) == 5


def test_multiplier_and_fixed_and_other_currency():
    rule = EarnRule(Trigger.PAYMENT_SUCCEEDED, 2, 100, fixed_amount=5, multiplier_percent=150)
    p = program(earn_rules=(rule,))
    assert p.earn(Trigger.PAYMENT_SUCCEEDED, spent_minor=1000, currency="USD") == 30 + 5
    assert p.earn(Trigger.PAYMENT_SUCCEEDED, spent_minor=1000, currency="EUR") == 0
    assert p.earn(Trigger.BOOKING_COMPLETED) == 0


def test_per_visit():
    p = program(earn_rules=(EarnRule(Trigger.BOOKING_COMPLETED, fixed_amount=10),))
    assert p.earns_on(Trigger.BOOKING_COMPLETED) and not p.earns_on(Trigger.PAYMENT_SUCCEEDED)
    assert p.earn(Trigger.BOOKING_COMPLETED) == 10


def test_lot_expiry_follows_policy():
    assert program().lot_expiry(NOW) is None
    p = program(expiry_policy=ExpiryPolicy.AFTER_DAYS, expire_after_days=30)
    assert p.lot_expiry(NOW) == NOW + timedelta(days=30)


def blank() -> Program:
    return Program(uuid.uuid4(), uuid.uuid4(), "", Kind.POINTS)


def test_create_validates_every_field():
    fields = ProgramFields(
        name=" ",
        kind="miles",
        currency="dollars",
        earn_rules=({"trigger": "payment_succeeded", "amount_per_unit": 1}, {"trigger": "x"}),
        rounding="sideways",
        expire_after_days=-1,
        min_redemption=-5,
    )
    with pytest.raises(InvalidArgument) as err:
        apply_fields(blank(), fields, creating=True)
    assert {v.field for v in err.value.violations} == {
        "name",
        "kind",
        "currency",
        "earn_rules[0].spend_unit_minor",
        "earn_rules[1].trigger",
        "earn_rules[1]",
        "rounding",
        "earned_expire_after_days",
        "min_redemption",
    }


def test_credits_need_a_currency_and_after_days_needs_days():
    with pytest.raises(InvalidArgument) as err:
        apply_fields(blank(), ProgramFields(name="Credit", kind="credits"), creating=True)
    assert err.value.violations[0].field == "currency"
    with pytest.raises(InvalidArgument) as err:
        apply_fields(
            blank(),
            ProgramFields(name="P", kind="points", expiry_policy="after_days"),
            creating=True,
        )
    assert err.value.violations[0].field == "earned_expire_after_days"


def test_update_changes_only_what_is_given_and_refuses_read_only():
    p = apply_fields(blank(), ProgramFields(name="Stars", kind="points"), creating=True)
    updated = apply_fields(p, ProgramFields(min_redemption=100), creating=False)
    assert updated.name == "Stars" and updated.min_redemption == 100
    with pytest.raises(InvalidArgument) as err:
        apply_fields(p, ProgramFields(unknown=("type",)), creating=False)
    assert err.value.violations[0].field == "type"
