import uuid
from datetime import UTC, datetime, timedelta

import pytest
from billing.domain.bookings import Booking, BookingStatus, PartyMember, reschedule, validate
from moodline_kit.errors import Conflict, InvalidArgument

NOW = datetime(2027, 1, 5, 9, tzinfo=UTC)


def booking(price=10_000, party=(), currency="USD", minutes=60) -> Booking:
    return Booking(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        service_id=None,
        service_name="",
        staff_id=None,
        starts_at=NOW,
        ends_at=NOW + timedelta(minutes=minutes),
        price_minor=price,
        currency=currency,
        party=list(party),
    )


def test_customer_members_get_their_share_and_guests_stay_with_the_booker():
    ben = uuid.uuid4()
    b = booking(party=[PartyMember(ben, "", 3_000), PartyMember(None, "Guest", 2_000)])
    assert b.attributions() == {ben: 3_000, b.customer_id: 7_000}
    assert sum(b.attributions().values()) == b.price_minor


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (BookingStatus.PENDING, "confirm", BookingStatus.CONFIRMED),
        (BookingStatus.PENDING, "cancel", BookingStatus.CANCELLED),
        (BookingStatus.CONFIRMED, "cancel", BookingStatus.CANCELLED),
        (BookingStatus.CONFIRMED, "complete", BookingStatus.COMPLETED),
        (BookingStatus.CONFIRMED, "no_show", BookingStatus.NO_SHOW),
    ],
)
def test_allowed_transitions(start, action, end):
    b = booking()
    b.status = start
    assert b.apply(action, NOW) is start
    assert b.status is end


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (BookingStatus.PENDING, "complete"),
        (BookingStatus.CANCELLED, "confirm"),
        (BookingStatus.COMPLETED, "cancel"),
        (BookingStatus.NO_SHOW, "complete"),
    ],
)
def test_refused_transitions_are_conflicts_and_change_nothing(start, action):
    b = booking()
    b.status = start
    with pytest.raises(Conflict):
        b.apply(action, NOW)
    assert b.status is start


def test_validation_reports_every_bad_field():
    member = uuid.uuid4()
    b = booking(price=-1, minutes=-10, currency="usd", party=[PartyMember(member, "", -5)])
    with pytest.raises(InvalidArgument) as bad:
        validate(b, tenant_currency="USD")
    fields = {v.field for v in bad.value.violations}
    assert {"ends_at", "amount_minor", "currency", "party[0].share_minor"} <= fields


def test_shares_above_the_price_and_wrong_currency_are_refused():
    b = booking(price=100, party=[PartyMember(uuid.uuid4(), "", 101)], currency="EUR")
    with pytest.raises(InvalidArgument) as bad:
        validate(b, tenant_currency="USD")
    assert {v.field for v in bad.value.violations} == {"party", "currency"}


def test_reschedule_only_changes_named_fields_of_open_bookings():
    b = booking()
    moved = reschedule(b, {"starts_at": NOW + timedelta(hours=1)}, NOW)
    assert moved.starts_at == NOW + timedelta(hours=1) and b.starts_at == NOW
    with pytest.raises(InvalidArgument):
        reschedule(b, {"status": "confirmed"}, NOW)
    b.status = BookingStatus.COMPLETED
    with pytest.raises(Conflict):
        reschedule(b, {"notes": "x"}, NOW)
