"""The loyalty use cases on the in-memory unit of work (loyalty_fakes): programs, enrolment
(one and bulk), adjustments (idempotent, the balance and minimum-redemption rules), expiry on a
fake clock, earning from billing events through the consumer (once per payment, refunds reverse
their share), erasure, import enrolment and a merge's combined balances."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from loyalty.domain import events
from loyalty.domain.commands import EarnForVisit
from loyalty.domain.enrolment import Status
from loyalty.domain.ledger import InsufficientBalance, Reason, validate_adjustment
from loyalty.domain.program import ProgramFields
from loyalty.entrypoints.consumers import make_handler
from loyalty.service_layer import customer_data, earning, enrolments, expiry, ledger, programs
from loyalty_fakes import FakeLoyaltyUnitOfWork
from moodline.billing.v1 import billing_pb2 as billing
from moodline.events.v1 import billing_pb2 as billing_events
from moodline.events.v1 import customer_pb2 as customer_events
from moodline_devkit.testing.fakes import FakeClock
from moodline_kit.errors import AlreadyExists, InvalidArgument, NotFound, PreconditionFailed
from moodline_kit.events import Event, to_envelope

TENANT = uuid.uuid4()
STARS = ProgramFields(
    name="Stars",
    kind="points",
    currency="USD",
    earn_rules=(
        {"trigger": "payment_succeeded", "amount_per_unit": 1, "spend_unit_minor": 100},
        {"trigger": "booking_completed", "fixed_amount": 10},
    ),
    expiry_policy="after_days",
    expire_after_days=30,
    min_redemption=5,
)


@pytest.fixture
def uow() -> FakeLoyaltyUnitOfWork:
    return FakeLoyaltyUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def program(uow, clock, fields=STARS):  # type: ignore[no-untyped-def]
    return await programs.create_program(tenant_id=TENANT, fields=fields, uow=uow, clock=clock)


async def enrol(uow, clock, program_id, customer=None, balance=0, **kw):  # type: ignore[no-untyped-def]
    return await enrolments.enrol(
        tenant_id=TENANT,
        program_id=str(program_id),
        customer_id=str(customer or uuid.uuid4()),
        starting_balance=balance,
        expires_on=kw.pop("expires_on", ""),
        notes=kw.pop("notes", ""),
        actor_id="agent-1",
        uow=uow,
        clock=clock,
    )


async def adjust(uow, clock, enrolment_id, delta, reason="manual_adjustment", key="k1"):  # type: ignore[no-untyped-def]
    adjustment = validate_adjustment(
        delta=delta, reason=reason, idempotency_key=key, note="", source_ref="", actor_id="a"
    )
    return await ledger.adjust_balance(
        tenant_id=TENANT,
        enrolment_id=str(enrolment_id),
        adjustment=adjustment,
        uow=uow,
        clock=clock,
    )


async def balance(uow, enrolment_id) -> int:  # type: ignore[no-untyped-def]
    view = await enrolments.get_enrolment(tenant_id=TENANT, enrolment_id=str(enrolment_id), uow=uow)
    return view.enrolment.balance


async def test_programs_are_created_listed_in_pages_updated_and_archived(uow, clock):
    made = [await program(uow, clock, ProgramFields(name=f"P{i}", kind="points")) for i in range(3)]
    clock.advance(minutes=1)
    first, token = await programs.list_programs(
        tenant_id=TENANT, include_archived=False, page_size=2, page_token="", uow=uow
    )
    rest, end = await programs.list_programs(
        tenant_id=TENANT, include_archived=False, page_size=2, page_token=token, uow=uow
    )
    assert {p.id for p in first + rest} == {p.id for p in made} and token and not end
    renamed = await programs.update_program(
        tenant_id=TENANT,
        program_id=str(made[0].id),
        fields=ProgramFields(name="Gold"),
        uow=uow,
        clock=clock,
    )
    assert renamed.name == "Gold" and renamed.updated_at == clock.now
    await programs.archive_program(
        tenant_id=TENANT, program_id=str(made[1].id), uow=uow, clock=clock
    )
    live, _ = await programs.list_programs(
        tenant_id=TENANT, include_archived=False, page_size=0, page_token="", uow=uow
    )
    assert {p.name for p in live} == {"Gold", "P2"}
    with pytest.raises(NotFound):
        await programs.get_program(tenant_id=uuid.uuid4(), program_id=str(made[0].id), uow=uow)
    with pytest.raises(InvalidArgument) as bad:
        await program(uow, clock, ProgramFields(name=" ", kind="miles"))
    assert {v.field for v in bad.value.violations} == {"name", "kind"}


async def test_enrolment_with_a_starting_balance_is_its_first_entry_and_lot(uow, clock):
    stars = await program(uow, clock)
    customer = uuid.uuid4()
    view = await enrol(uow, clock, stars.id, customer, balance=40, notes="vip")
    assert view.enrolment.balance == 40 and view.next_expiry_amount == 40
    assert view.next_expiry_at == clock.now + timedelta(days=30)
    assert uow.subjects() == [events.ENROLMENT_CREATED, events.BALANCE_ADJUSTED]
    with pytest.raises(AlreadyExists):
        await enrol(uow, clock, stars.id, customer)
    await programs.archive_program(tenant_id=TENANT, program_id=str(stars.id), uow=uow, clock=clock)
    with pytest.raises(InvalidArgument, match="archived"):
        await enrol(uow, clock, stars.id)
    assert len(uow.store.enrolments) == 1


async def test_bulk_enrolment_reports_each_row_and_fails_bad_rows_alone(uow, clock):
    stars = await program(uow, clock)
    known = uuid.uuid4()
    await enrol(uow, clock, stars.id, known)
    fresh = str(uuid.uuid4())
    rows = [
        {"customer_id": fresh, "starting_balance": 5, "expires_on": "", "notes": ""},
        {"customer_id": "nope", "starting_balance": 0, "expires_on": "", "notes": ""},
        {"customer_id": str(known), "starting_balance": 0, "expires_on": "", "notes": ""},
        {"customer_id": fresh, "starting_balance": 0, "expires_on": "", "notes": ""},
    ]
    result = await enrolments.bulk_enrol(
        tenant_id=TENANT, program_id=str(stars.id), entries=rows, actor_id="a", uow=uow, clock=clock
    )
    outcomes = [r.outcome for r in result]
    assert outcomes == ["enrolled", "failed", "already_enrolled", "already_enrolled"]
    assert result[3].enrolment_id == result[0].enrolment_id
    assert "entries[1].customer_id" in result[1].error
    assert await balance(uow, result[0].enrolment_id) == 5


async def test_adjustments_replay_by_key_and_keep_the_balance_rules(uow, clock):
    stars = await program(uow, clock)
    e = (await enrol(uow, clock, stars.id, balance=20)).enrolment
    done = await adjust(uow, clock, e.id, 30, key="gift")
    again = await adjust(uow, clock, e.id, 30, key="gift")
    assert again.replayed and again.entry.id == done.entry.id and await balance(uow, e.id) == 50
    with pytest.raises(AlreadyExists):
        await adjust(uow, clock, e.id, 31, key="gift")
    with pytest.raises(InvalidArgument, match="minimum redemption is 5"):
        await adjust(uow, clock, e.id, -4, "redeemed", key="small")
    with pytest.raises(InsufficientBalance) as over:
        await adjust(uow, clock, e.id, -51, "redeemed", key="big")
    assert over.value.available == 50
    redeemed = await adjust(uow, clock, e.id, -25, "redeemed", key="r1")
    assert redeemed.entry.balance_after == 25 and redeemed.enrolment.lifetime_earned == 30
    page, token = await ledger.ledger_page(
        tenant_id=TENANT, enrolment_id=str(e.id), page_size=2, page_token="", uow=uow
    )
    older, _ = await ledger.ledger_page(
        tenant_id=TENANT, enrolment_id=str(e.id), page_size=2, page_token=token, uow=uow
    )
    assert [x.sequence for x in page + older] == [3, 2, 1]
    await enrolments.remove_enrolment(
        tenant_id=TENANT, enrolment_id=str(e.id), reason="left", confirm=True, actor_id="a",
        uow=uow, clock=clock,
    )  # fmt: skip
    with pytest.raises(PreconditionFailed):
        await adjust(uow, clock, e.id, 1, key="late")
    assert await balance(uow, e.id) == 0


async def test_credits_expire_on_the_clock_and_only_what_was_not_spent(uow, clock):
    stars = await program(uow, clock)
    e = (await enrol(uow, clock, stars.id, balance=100)).enrolment
    clock.advance(days=10)
    await adjust(uow, clock, e.id, 50, key="later")
    await adjust(uow, clock, e.id, -70, "redeemed", key="spend")  # 70 of the first lot's 100
    clock.advance(days=21)  # the first lot is 31 days old, the second 21
    assert await expiry.expire_due(uow=uow, clock=clock) == 1
    assert await balance(uow, e.id) == 50
    assert await expiry.expire_due(uow=uow, clock=clock) == 0
    clock.advance(days=10)
    assert await expiry.expire_due(uow=uow, clock=clock) == 1
    assert await balance(uow, e.id) == 0
    assert [p.payload.delta for p in uow.published if p.subject == events.BALANCE_ADJUSTED][
        -2:
    ] == [
        -30,
        -50,
    ]


async def test_an_enrolment_past_its_date_expires_whole(uow, clock):
    stars = await program(uow, clock)
    e = await enrol(uow, clock, stars.id, balance=10, expires_on=clock.now.date().isoformat())
    clock.advance(days=1, seconds=1)
    assert await expiry.expire_due(uow=uow, clock=clock) == 1
    view = await enrolments.get_enrolment(
        tenant_id=TENANT, enrolment_id=str(e.enrolment.id), uow=uow
    )
    assert view.enrolment.status is Status.EXPIRED and view.enrolment.balance == 0
    assert uow.subjects()[-1] == events.ENROLMENT_EXPIRED


def envelope(subject: str, payload):  # type: ignore[no-untyped-def]
    return to_envelope(Event(subject, TENANT, "agg", payload), source="billing")


def paid(customer: str, amount: int, refunded: int = 0, refund: int = 0, pid: str = "pay-1"):  # type: ignore[no-untyped-def]
    payment = billing.Payment(
        id=pid,
        customer_id=customer,
        amount=billing.Money(amount_minor=amount, currency="USD"),
        refunded_amount=billing.Money(amount_minor=refunded, currency="USD"),
    )
    if refund:
        money = billing.Money(amount_minor=refund, currency="USD")
        return billing_events.PaymentRefunded(payment=payment, refund_amount=money)
    return billing_events.PaymentSucceeded(customer_id=customer, payment=payment)


async def test_a_payment_earns_once_and_refunds_reverse_their_share(uow, clock):
    stars = await program(uow, clock)
    customer = str(uuid.uuid4())
    e = (await enrol(uow, clock, uuid.UUID(str(stars.id)), customer)).enrolment
    on_event = make_handler(clock)
    for _ in range(2):  # billing publishing the same payment twice
        async with uow() as work:
            await on_event(envelope(events.PAYMENT_SUCCEEDED, paid(customer, 2000)), work)
            await work.commit()
    assert await balance(uow, e.id) == 20
    async with uow() as work:
        await earning.earn_for_visit(work, TENANT, EarnForVisit(customer, "b-1"), clock())
        await work.commit()
    assert await balance(uow, e.id) == 30
    for refunded, refund, expected in ((500, 500, 25), (2000, 1500, 10), (2000, 1500, 10)):
        refund_event = paid(customer, 2000, refunded, refund)
        async with uow() as work:
            await on_event(envelope(events.PAYMENT_REFUNDED, refund_event), work)
            await work.commit()
        assert await balance(uow, e.id) == expected


async def test_a_deleted_customer_is_erased_and_an_import_enrols_its_customers_once(uow, clock):
    stars = await program(uow, clock)
    customer = uuid.uuid4()
    e = (await enrol(uow, clock, stars.id, customer, balance=15, notes="likes tea")).enrolment
    on_event = make_handler(clock)
    async with uow() as work:
        deleted = customer_events.CustomerDeleted(customer_id=str(customer))
        await on_event(envelope(events.CUSTOMER_DELETED, deleted), work)
        await work.commit()
    stored = uow.store.enrolments[e.id]
    assert stored.status is Status.REMOVED and stored.notes == "" and stored.balance == 0
    assert all(x.actor_id == "" for x in uow.store.entries.values())
    new = [str(uuid.uuid4()) for _ in range(3)]
    imported = customer_events.CustomersImported(
        import_id="imp-1", loyalty_program_id=str(stars.id), created_ids=new[:2], updated_ids=new
    )
    for _ in range(2):
        async with uow() as work:
            await on_event(envelope(events.CUSTOMERS_IMPORTED, imported), work)
            await work.commit()
    active = [x for x in uow.store.enrolments.values() if x.status is Status.ACTIVE]
    assert sorted(str(x.customer_id) for x in active) == sorted(new)


async def test_a_merge_combines_balances_into_the_survivors_enrolment(uow, clock):
    stars = await program(uow, clock)
    kept, gone = uuid.uuid4(), uuid.uuid4()
    mine = (await enrol(uow, clock, stars.id, kept, balance=10)).enrolment
    theirs = (await enrol(uow, clock, stars.id, gone, balance=25)).enrolment
    async with uow() as work:
        await customer_data.reassign(work, TENANT, gone, kept)
        await work.commit()
    assert await balance(uow, mine.id) == 35
    merged = uow.store.enrolments[theirs.id]
    assert merged.status is Status.REMOVED and merged.customer_id == kept
    reasons = [x.reason for x in uow.store.entries.values() if x.enrolment_id == mine.id]
    assert reasons == [Reason.STARTING_BALANCE, Reason.MERGED]


async def test_enrolments_are_listed_by_program_or_customer_and_updated_while_active(uow, clock):
    stars = await program(uow, clock)
    made = []
    for _ in range(3):
        made.append((await enrol(uow, clock, stars.id)).enrolment)
        clock.advance(minutes=1)

    async def listed(token="", **kw):  # type: ignore[no-untyped-def]
        return await enrolments.list_enrolments(
            tenant_id=TENANT, program_id=kw.get("program_id", str(stars.id)),
            customer_id=kw.get("customer_id", ""), status=kw.get("status", ""), page_size=2,
            page_token=token, uow=uow,
        )  # fmt: skip

    first, token = await listed()
    rest, end = await listed(token)
    assert [v.enrolment.id for v in first + rest] == [e.id for e in reversed(made)] and not end
    with pytest.raises(InvalidArgument) as bad:
        await listed(program_id="", status="paused")
    assert {v.field for v in bad.value.violations} == {"customer_id", "status"}
    tomorrow = (clock.now + timedelta(days=1)).date().isoformat()
    changed = await enrolments.update_enrolment(
        tenant_id=TENANT, enrolment_id=str(made[0].id),
        fields={"expires_on": tomorrow, "notes": "gold"}, uow=uow, clock=clock,
    )  # fmt: skip
    assert (changed.enrolment.expires_on.isoformat(), changed.enrolment.notes) == (tomorrow, "gold")
    with pytest.raises(InvalidArgument, match="today"):
        await enrolments.update_enrolment(
            tenant_id=TENANT, enrolment_id=str(made[0].id), fields={"expires_on": "2020-01-01"},
            uow=uow, clock=clock,
        )  # fmt: skip
    with pytest.raises(InvalidArgument, match="update_mask"):
        await enrolments.update_enrolment(
            tenant_id=TENANT, enrolment_id=str(made[0].id), fields={}, uow=uow, clock=clock
        )
    mine, _ = await listed(program_id="", customer_id=str(made[1].customer_id))
    assert [v.enrolment.id for v in mine] == [made[1].id]
