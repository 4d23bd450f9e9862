"""The sentiment use cases on the in-memory unit of work (sentiment_fakes)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from moodline.enums import Channel
from moodline.events.v1 import subjects
from moodline_kit.errors import InvalidArgument, NotFound
from sentiment.domain.scoring import Label
from sentiment.service_layer import outcomes, overrides, scoring, settings
from sentiment.service_layer.aggregation import Timing
from sentiment_fakes import FakeSentimentUnitOfWork, WordScorer

TENANT = uuid.uuid4()
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def uow() -> FakeSentimentUnitOfWork:
    return FakeSentimentUnitOfWork()


def message(text: str, n: int = 1, conversation: str = "c1", customer: str = "u1"):  # type: ignore[no-untyped-def]
    return scoring.MessageToScore(TENANT, f"m{n}", conversation, customer, text, T0)


async def score(uow, *messages, timings=()):  # type: ignore[no-untyped-def]
    async with uow() as work:
        scored = await scoring.score_messages(list(messages), list(timings), work, WordScorer())
        await work.commit()
    return scored


async def test_scoring_stores_each_score_and_publishes_the_changes(uow):
    assert await score(uow, message("Again the order is wrong.")) == 1
    row = await uow.sentiment.get_score(TENANT, "m1")
    assert (row.label, row.model_version) == ("Frustrated", "test-1")
    assert uow.subjects() == [
        subjects.SENTIMENT_MESSAGE_SCORED,
        subjects.SENTIMENT_CONVERSATION_CHANGED,
        subjects.SENTIMENT_CUSTOMER_CHANGED,
    ]
    view = await overrides.get_customer(tenant_id=TENANT, customer_id="u1", uow=uow)
    assert view.sentiment.shown.label is Label.FRUSTRATED


async def test_nothing_to_score_writes_nothing(uow):
    assert await score(uow) == 0
    assert uow.published == [] and uow.store.conversations == {}


async def test_a_late_reply_counts_against_the_conversation(uow):
    late = [
        Timing(TENANT, "c1", "u1", T0, False, Channel.SMS),
        Timing(TENANT, "c1", "u1", T0 + timedelta(hours=5), True, Channel.SMS),
    ]
    await score(uow, message("hello"), timings=late)
    conversation = await overrides.get_conversation(tenant_id=TENANT, conversation_id="c1", uow=uow)
    assert conversation.sentiment.aggregate.messages == 1
    assert conversation.sentiment.computed.score < 0  # the slow reply weighs on it


async def test_each_late_reply_is_kept_once_with_its_time_for_a_merge(uow):
    def wait(wrote: timedelta, replied: timedelta) -> list[Timing]:
        return [
            Timing(TENANT, "c1", "u1", T0 + wrote, False, Channel.SMS),
            Timing(TENANT, "c1", "u1", T0 + replied, True, Channel.SMS),
        ]

    hour = timedelta(hours=1)
    # SMS target 1 h: late after 2 h, very late after 5 h (> 4 h), on time after 30 min
    timings = [*wait(0 * hour, 2 * hour), *wait(3 * hour, 8 * hour), *wait(9 * hour, 9.5 * hour)]
    await score(uow, message("hello"), timings=timings)
    kept = [
        (r.conversation_id, r.customer_id, r.replied_at, r.very_late)
        for r in uow.store.late_replies.values()
    ]
    assert kept == [("c1", "u1", T0 + 2 * hour, False), ("c1", "u1", T0 + 8 * hour, True)]
    observed = (await uow.sentiment.get_conversation(TENANT, "c1")).state["n"]
    assert observed == 3  # the message and the two late replies
    await score(uow, timings=timings)  # the same replies applied again end no wait
    assert len(uow.store.late_replies) == 2
    assert (await uow.sentiment.get_conversation(TENANT, "c1")).state["n"] == observed


async def test_a_rating_counts_once_per_conversation(uow):
    await score(uow, message("thanks"))
    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    rated = outcomes.Outcome(TENANT, "c1", "u1", csat=1, at=at)
    for n in range(2):
        async with uow() as work:
            await outcomes.record_outcome(replace(rated, csat=1 + 3 * n), work)
            await work.commit()
    row = await uow.sentiment.get_conversation(TENANT, "c1")
    assert row.csat_counted is True
    assert row.state["n"] == 2  # observations: the message and one CSAT
    # the counted rating and its time are kept (a merge replays them), the later one is not
    assert (row.csat, row.csat_at, row.escalated_at) == (1, at, None)
    async with uow() as work:
        await outcomes.record_outcome(outcomes.Outcome(TENANT, "c1", "u1", escalated=True), work)
        await work.commit()
    row = await uow.sentiment.get_conversation(TENANT, "c1")
    assert row.escalation_counted is True and row.escalated_at is not None


async def test_an_override_wins_until_cleared(uow):
    await score(uow, message("Again the order is wrong."))
    view = await overrides.set_override(
        tenant_id=TENANT,
        customer_id="u1",
        label=Label.HAPPY,
        reason="called back, sorted out",
        set_by="agent-1",
        uow=uow,
    )
    assert view.sentiment.shown.label is Label.HAPPY
    cleared = await overrides.clear_override(tenant_id=TENANT, customer_id="u1", uow=uow)
    assert cleared.sentiment.shown.label is Label.FRUSTRATED


async def test_a_bad_override_names_every_field_and_changes_nothing(uow):
    with pytest.raises(InvalidArgument) as exc:
        await overrides.set_override(
            tenant_id=TENANT, customer_id=" ", label=None, reason="", set_by="", uow=uow
        )
    fields = {v.field for v in exc.value.violations}
    assert fields == {"customer_id", "label", "reason", "set_by"}
    assert uow.store.customers == {} and uow.published == []


async def test_unknown_reads_are_not_found_or_neutral(uow):
    with pytest.raises(NotFound):
        await overrides.get_message(tenant_id=TENANT, message_id="nope", uow=uow)
    with pytest.raises(NotFound):
        await overrides.get_conversation(tenant_id=TENANT, conversation_id="nope", uow=uow)
    view = await overrides.get_customer(tenant_id=TENANT, customer_id="new", uow=uow)
    assert view.updated_at is None and view.sentiment.shown.label is Label.NEUTRAL


async def test_reply_targets_change_only_the_named_channels(uow):
    before = await settings.get_settings(tenant_id=TENANT, uow=uow)
    after = await settings.update_settings(
        tenant_id=TENANT, reply_target_minutes={"sms": 15}, uow=uow
    )
    assert after.minutes()["sms"] == 15
    assert after.minutes()["email"] == before.minutes()["email"]
    with pytest.raises(InvalidArgument):
        await settings.update_settings(
            tenant_id=TENANT, reply_target_minutes={"pigeon": 5}, uow=uow
        )


async def test_a_merge_rebuilds_the_survivor_from_both_and_an_erasure_blanks_the_reason(uow):
    from sentiment.service_layer import customer_data

    survivor, duplicate = uuid.uuid4(), uuid.uuid4()
    kept, gone = str(survivor), str(duplicate)
    await score(uow, message("thanks", 1, "c1", kept), message("Again wrong.", 2, "c2", gone))
    async with uow() as work:
        rated = outcomes.Outcome(TENANT, "c2", gone, csat=1, at=T0 + timedelta(hours=1))
        await outcomes.record_outcome(rated, work)
        await work.commit()
    await overrides.set_override(
        tenant_id=TENANT, customer_id=kept, label=Label.HAPPY, reason="VIP, call Ann",
        set_by="agent-1", uow=uow,
    )  # fmt: skip
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.reassign(work, TENANT, duplicate, survivor)
        await work.commit()
    store = uow.store.customers
    assert set(store) == {(TENANT, kept)}
    assert {r.customer_id for r in uow.store.conversations.values()} == {kept}
    view = await overrides.get_customer(tenant_id=TENANT, customer_id=kept, uow=uow)
    # both messages and the duplicate's rating, replayed in the survivor's aggregate
    assert view.sentiment.aggregate.messages == 2 and store[(TENANT, kept)].state["n"] == 3
    assert view.sentiment.shown.label is Label.HAPPY  # the survivor's override stays
    assert uow.subjects()[-1] == subjects.SENTIMENT_CUSTOMER_CHANGED
    async with uow() as work:
        await customer_data.CUSTOMER_DATA.erase(work, TENANT, survivor)
        await work.commit()
    view = await overrides.get_customer(tenant_id=TENANT, customer_id=kept, uow=uow)
    assert view.sentiment.override.reason == "" and view.sentiment.shown.label is Label.HAPPY
