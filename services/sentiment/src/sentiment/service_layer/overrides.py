"""Staff overrides of a customer's sentiment, and the sentiment reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moodline_kit.errors import FieldViolation, InvalidArgument, NotFound

from sentiment.domain.aggregate import Aggregate
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.override import MAX_REASON, Override
from sentiment.domain.scoring import Label
from sentiment.service_layer.aggregation import save_customers
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork

UowFactory = Callable[[], SentimentUnitOfWork]


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    sentiment: CustomerSentiment
    updated_at: datetime | None


@dataclass(frozen=True)
class ConversationView:
    conversation_id: str
    customer_id: str
    sentiment: CustomerSentiment  # the conversation's aggregate, shown as computed
    updated_at: datetime


async def set_override(
    *,
    tenant_id: uuid.UUID,
    customer_id: str,
    label: Label | None,
    reason: str,
    set_by: str,
    uow: UowFactory,
) -> CustomerView:
    """`label` None: not a label the API knows."""
    violations = []
    if not customer_id.strip():
        violations.append(FieldViolation("customer_id", "is required"))
    if label is None:
        violations.append(FieldViolation("label", "must be HAPPY, NEUTRAL or FRUSTRATED"))
    if not reason.strip():
        violations.append(FieldViolation("reason", "is required"))
    elif len(reason) > MAX_REASON:
        violations.append(FieldViolation("reason", f"at most {MAX_REASON} characters"))
    if not set_by.strip():
        violations.append(FieldViolation("set_by", "is required"))
    if violations:
        raise InvalidArgument.of_all(violations)
    async with uow() as u:
        key = (tenant_id, customer_id)
        current, _ = (await u.sentiment.lock_customers([key]))[key]
        override = Override(
            label=label,
            reason=reason.strip(),
            set_by=set_by,
            set_at=datetime.now(UTC),
        )
        updated = current.with_override(override)
        await save_customers(u, {key: updated}, force=True)
        await u.commit()
    return CustomerView(customer_id, updated, datetime.now(UTC))


async def clear_override(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> CustomerView:
    if not customer_id.strip():
        raise InvalidArgument.of("customer_id", "is required")
    async with uow() as u:
        key = (tenant_id, customer_id)
        row = await u.sentiment.get_customer(tenant_id, customer_id)
        if row is None or row.override is None:
            return await get_customer(tenant_id=tenant_id, customer_id=customer_id, uow=uow)
        current, _ = (await u.sentiment.lock_customers([key]))[key]
        updated = current.with_override(None)
        await save_customers(u, {key: updated})
        await u.commit()
    return CustomerView(customer_id, updated, datetime.now(UTC))


async def get_customer(*, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory) -> CustomerView:
    from sentiment.adapters.repository import customer_from_row

    async with uow() as u:
        row = await u.sentiment.get_customer(tenant_id, customer_id)
    if row is None:
        return CustomerView(customer_id, CustomerSentiment(), None)
    return CustomerView(customer_id, customer_from_row(row), row.updated_at)


async def get_message(*, tenant_id: uuid.UUID, message_id: str, uow: UowFactory) -> Any:
    """The stored score (a row of message_scores)."""
    async with uow() as u:
        row = await u.sentiment.get_score(tenant_id, message_id)
    return NotFound.unless(row, f"message {message_id} has not been scored")


async def get_conversation(
    *, tenant_id: uuid.UUID, conversation_id: str, uow: UowFactory
) -> ConversationView:
    async with uow() as u:
        row: Any = await u.sentiment.get_conversation(tenant_id, conversation_id)
    agg = Aggregate.from_state(row.state) if row is not None else Aggregate()
    if not agg.observations:  # no row, or only the reply clock of business messages
        raise NotFound(f"conversation {conversation_id} has no sentiment")
    return ConversationView(
        conversation_id, row.customer_id, CustomerSentiment(aggregate=agg), row.updated_at
    )
