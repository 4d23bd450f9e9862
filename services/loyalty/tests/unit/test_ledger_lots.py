"""The ledger's lots: debits draw oldest-expiring first and stay linked, expiry removes only
what is unspent, whatever label the credit had; no negative balance unless allowed."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loyalty.domain.ledger import (
    InsufficientBalance,
    Lot,
    Position,
    Reason,
    allocate,
    due_lots,
    validate_adjustment,
)
from moodline_kit.errors import InvalidArgument

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def lot(seq: int, amount: int, days: int | None) -> Lot:
    expires = T0 + timedelta(days=days) if days is not None else None
    return Lot(uuid.uuid4(), seq, expires, amount)


def test_debit_draws_oldest_expiring_first_never_expiring_last():
    never, late, soon = lot(1, 50, None), lot(2, 30, 60), lot(3, 20, 10)
    pos = Position(100, 0, [never, late, soon])
    posting = pos.debit(40, Reason.REDEEMED, allow_negative=False)
    assert [(d.lot_sequence, d.amount) for d in posting.draws] == [(3, 20), (2, 20)]
    assert (soon.remaining, late.remaining, never.remaining) == (0, 10, 50)
    assert pos.balance == 60 and posting.delta == -40


def test_redeem_over_balance_names_the_available_balance():
    pos = Position(30, 0, [lot(1, 30, None)])
    with pytest.raises(InsufficientBalance) as err:
        pos.debit(31, Reason.REDEEMED, allow_negative=False)
    assert err.value.violations[0].field == "delta"
    assert "available balance of 30" in err.value.violations[0].description
    assert pos.balance == 30 and pos.open_lots[0].remaining == 30


def test_negative_balance_where_allowed_becomes_debt_that_credits_repay():
    pos = Position(10, 0, [lot(1, 10, None)])
    posting = pos.debit(25, Reason.REDEEMED, allow_negative=True)
    assert pos.balance == -15 and pos.debt == 15 and posting.draws[0].amount == 10
    credit = pos.credit(20, Reason.EARNED, expires_at=None)
    assert credit.lot_amount == 5 and pos.debt == 0 and pos.balance == 5


def test_expiry_after_spends_across_several_lots_removes_only_the_unspent():
    # Three credits with different labels, all expiring under the policy.
    start, earned, manual = lot(1, 100, 30), lot(2, 50, 40), lot(3, 70, 90)
    pos = Position(220, 0, [start, earned, manual])
    pos.debit(120, Reason.REDEEMED, allow_negative=False)  # all of lot 1, 20 of lot 2
    pos.debit(10, Reason.REDEEMED, allow_negative=False)  # 10 more of lot 2
    assert (start.remaining, earned.remaining, manual.remaining) == (0, 20, 70)
    at = T0 + timedelta(days=45)
    expired = pos.expire(due_lots(pos.open_lots, at))
    assert expired.delta == -20 and [(d.lot_sequence, d.amount) for d in expired.draws] == [(2, 20)]
    assert pos.balance == 70 and manual.remaining == 70
    assert pos.expire(due_lots(pos.open_lots, at)) is None  # nothing twice


def test_reversal_draws_first_from_its_own_lot_and_clamps_when_spent():
    a, b = lot(1, 10, 5), lot(2, 10, 50)
    pos = Position(20, 0, [a, b])
    draws = allocate(pos.open_lots, 5, first=b.entry_id)
    assert [(d.lot_sequence, d.amount) for d in draws] == [(2, 5)]
    pos.balance = 15
    posting = pos.debit(40, Reason.REVERSAL, allow_negative=False, clamp=True)
    assert posting.delta == -15 and pos.balance == 0
    assert pos.debit(3, Reason.REVERSAL, allow_negative=False, clamp=True) is None


@given(
    st.lists(
        st.tuples(st.integers(-500, 500).filter(bool), st.one_of(st.none(), st.integers(0, 90))),
        max_size=60,
    ),
    st.booleans(),
)
def test_balance_is_always_lots_minus_debt(ops, allow_negative):
    pos = Position(0, 0, [])
    total = 0
    for seq, (delta, days) in enumerate(ops, start=1):
        if delta > 0:
            expires = T0 + timedelta(days=days) if days is not None else None
            posting = pos.credit(delta, Reason.EARNED, expires_at=expires)
            if posting.lot_amount:
                pos.open_lots.append(Lot(uuid.uuid4(), seq, expires, posting.lot_amount))
        else:
            try:
                posting = pos.debit(-delta, Reason.REDEEMED, allow_negative=allow_negative)
            except InsufficientBalance:
                continue
        total += posting.delta
        assert pos.balance == total
        assert pos.balance == sum(x.remaining for x in pos.open_lots) - pos.debt
        assert allow_negative or pos.balance >= 0


def test_adjustment_validation_names_fields():
    with pytest.raises(InvalidArgument) as err:
        validate_adjustment(
            delta=0,
            reason="starting_balance",
            idempotency_key=" ",
            note="x" * 501,
            source_ref="",
            actor_id="",
        )
    assert {v.field for v in err.value.violations} == {
        "delta",
        "reason",
        "idempotency_key",
        "note",
    }
    with pytest.raises(InvalidArgument) as err:
        validate_adjustment(
            delta=5, reason="redeemed", idempotency_key="k", note="", source_ref="", actor_id=""
        )
    assert err.value.violations[0].field == "delta"
    ok = validate_adjustment(
        delta=-5, reason="redeemed", idempotency_key="k", note="", source_ref="", actor_id=""
    )
    assert (
        ok.fingerprint()
        != validate_adjustment(
            delta=-6, reason="redeemed", idempotency_key="k", note="", source_ref="", actor_id=""
        ).fingerprint()
    )
