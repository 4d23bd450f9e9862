"""Keeping the read model (LTV, bookings, interactions, last contact, channel, sentiment) and
the timeline fresh from other services' facts. Each runs inside the consumer's unit of work,
together with the processed-event marker (so a redelivery changes nothing); the NATS consumer
(entrypoints/consumers.py) turns each event into one of these calls.

The consumer applies a batch of events in one unit of work and hands every call the batch's
`Held` customers: a customer is then locked and read once (at its first event of the batch) and
written once (`Held.save_all`, after the last), instead of once per event. Each event still
moves the same in-memory customer and is reevaluated (stage, VIP) as it would be alone, so the
customer ends in the same state, its version moved on by one per change as before."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from customer.domain import read_model
from customer.domain.model import Customer
from customer.domain.read_model import Value
from customer.service_layer import lifecycle
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fact:
    """Another service's event about a customer, as the timeline keeps it."""

    tenant_id: uuid.UUID
    customer_id: str
    type: str
    event_id: str
    occurred_at: datetime
    # The event's payload as JSON (kept on the timeline entry).
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float
    emotions: dict[str, float]
    trend: str
    explanation: str = ""


Key = tuple[uuid.UUID, uuid.UUID]  # tenant, customer


class Held:
    """The customers a batch's events read (locked) and changed, for one save each."""

    def __init__(self) -> None:
        self._read: dict[Key, Customer | None] = {}
        self._changes: dict[Key, int] = {}  # in the order of their first change

    async def get(self, work: CustomerUnitOfWork, key: Key) -> Customer | None:
        if key not in self._read:
            self._read[key] = await work.customers.get(*key, for_update=True, full=False)
        return self._read[key]

    def changed(self, customer: Customer) -> None:
        key = (customer.tenant_id, customer.id)
        self._changes[key] = self._changes.get(key, 0) + 1

    async def save_all(self, work: CustomerUnitOfWork) -> None:
        changes, self._changes = self._changes, {}
        for key, count in changes.items():
            customer = self._read[key]
            assert customer is not None
            await work.customers.save(
                customer, expected_version=None, contacts_changed=False, changes=count
            )


async def _customer(work: CustomerUnitOfWork, fact: Fact, held: Held | None) -> Customer | None:
    try:
        ident = uuid.UUID(fact.customer_id)
    except ValueError:
        ident = None
    if ident is None:
        found = None
    elif held is not None:
        found = await held.get(work, (fact.tenant_id, ident))
    else:
        found = await work.customers.get(fact.tenant_id, ident, for_update=True, full=False)
    if found is None:  # deleted, or another tenant's id: nothing to keep
        log.info(
            "event about an unknown customer; skipped",
            extra={"type": fact.type, "customer_id": fact.customer_id},
        )
    return found


async def _timeline(
    work: CustomerUnitOfWork,
    customer: Customer,
    fact: Fact,
    kind: str,
    summary: str,
    occurred_at: datetime | None = None,
) -> None:
    await work.customers.add_timeline(
        customer.tenant_id,
        customer.id,
        kind=kind,
        type=fact.type,
        summary=summary,
        data={"event_id": fact.event_id, **fact.data},
        occurred_at=occurred_at or fact.occurred_at,
    )


async def _save(work: CustomerUnitOfWork, customer: Customer, held: Held | None) -> None:
    await lifecycle.reevaluate(work, customer)
    if held is not None:
        held.changed(customer)  # written by held.save_all
    else:
        await work.customers.save(customer, expected_version=None, contacts_changed=False)


async def message_received(
    work: CustomerUnitOfWork,
    fact: Fact,
    *,
    sent_at: datetime,
    channel: str,
    direction: str,
    text: str,
    held: Held | None = None,
) -> None:
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    read_model.record_contact(customer.read, sent_at)
    await _timeline(
        work, customer, fact, "message", f"{direction} {channel}: {text[:160]}", sent_at
    )
    await _save(work, customer, held)


async def conversation_opened(
    work: CustomerUnitOfWork,
    fact: Fact,
    *,
    started_at: datetime,
    channel: str,
    held: Held | None = None,
) -> None:
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    read_model.record_interaction(customer.read, channel, started_at)
    await _timeline(work, customer, fact, "conversation", f"{channel} conversation")
    await _save(work, customer, held)


async def conversation_closed(
    work: CustomerUnitOfWork,
    fact: Fact,
    *,
    ended_at: datetime,
    channel: str,
    csat: int | None,
    topic: str,
    held: Held | None = None,
) -> None:
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    summary = f"{channel} conversation closed"
    if csat is not None:
        summary += f", CSAT {csat}"
    if topic:
        summary += f": {topic}"
    await _timeline(work, customer, fact, "conversation", summary, ended_at)


async def customer_value_changed(
    work: CustomerUnitOfWork, fact: Fact, value: Value, *, held: Held | None = None
) -> None:
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    applied = read_model.record_value(customer.read, value, as_of=fact.occurred_at)
    if not applied:
        log.info(
            "customer value older than the figures on the row; ignored",
            extra={"event_id": fact.event_id, "customer_id": fact.customer_id},
        )
        return
    await _save(work, customer, held)


async def billing_fact(
    work: CustomerUnitOfWork,
    fact: Fact,
    *,
    kind: str,
    summary: str,
    payment_failed: bool = False,
    payment_succeeded: bool = False,
    held: Held | None = None,
) -> None:
    """Bookings, payments and overdue/paid invoices go on the timeline; their value arrives in
    customer_value_changed. A failed payment or an overdue invoice marks the customer At Risk
    until a payment made after it succeeds (or the invoice is paid)."""
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    await _timeline(work, customer, fact, kind, summary)
    if payment_failed:
        read_model.record_payment_failed(customer.read, fact.occurred_at)
        await _save(work, customer, held)
    elif payment_succeeded:
        read_model.record_payment_succeeded(customer.read, fact.occurred_at)
        await _save(work, customer, held)


async def sentiment_changed(
    work: CustomerUnitOfWork, fact: Fact, sentiment: Sentiment, *, held: Held | None = None
) -> None:
    customer = await _customer(work, fact, held)
    if customer is None:
        return
    changed = read_model.record_sentiment(
        customer.read,
        label=sentiment.label,
        score=sentiment.score,
        emotions=sentiment.emotions,
        trend=sentiment.trend,
    )
    if changed:
        summary = f"Sentiment now {sentiment.label}" + (
            f": {sentiment.explanation}" if sentiment.explanation else ""
        )
        await _timeline(work, customer, fact, "sentiment", summary)
    await _save(work, customer, held)
