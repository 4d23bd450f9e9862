"""Conversation outcome signals: a CSAT rating and an escalation count once per conversation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sentiment.domain.aggregate import Observation
from sentiment.service_layer.aggregation import fold
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork


@dataclass(frozen=True, slots=True)
class Outcome:
    """A conversation's rating and/or escalation, as its events report them."""

    tenant_id: uuid.UUID
    conversation_id: str
    customer_id: str
    csat: int | None = None
    escalated: bool = False
    # When it happened (the event's time): a merge replays the signal in its place.
    at: datetime | None = None


async def record_outcome(o: Outcome, uow: SentimentUnitOfWork) -> None:
    """A CSAT and an escalation each count once per conversation (a later change of the
    rating is not counted again). The rating and the times are kept for a merge's replay."""
    csat, escalated = o.csat, o.escalated
    at = o.at or datetime.now(UTC)
    key = (o.tenant_id, o.conversation_id)
    found = (await uow.sentiment.lock_conversations({key: o.customer_id}))[key]
    observations = []
    flags: dict[str, object] = {}
    if csat is not None and 1 <= csat <= 5 and not found.csat_counted:
        observations.append(
            (o.tenant_id, o.conversation_id, o.customer_id, Observation.of_csat(csat))
        )
        flags.update(csat_counted=True, csat=csat, csat_at=at)
    if escalated and not found.escalation_counted:
        observations.append(
            (o.tenant_id, o.conversation_id, o.customer_id, Observation.of_escalation())
        )
        flags.update(escalation_counted=True, escalated_at=at)
    if observations:
        await fold(uow, observations, {key: flags})
