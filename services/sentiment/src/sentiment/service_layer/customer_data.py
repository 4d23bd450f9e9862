"""This service's part in customer merges and GDPR erasures (moodline_kit.customer_data): runs
in the `sentiment-customer-data` consumer's transaction, which also answers the customer
service.

Merge: message scores, conversation aggregates and kept late replies move to the survivor,
whose customer aggregate is rebuilt from every scored message of both, oldest first, with the
CSAT ratings, escalations and late replies of both customers' conversations replayed in their
places by time (a staff override of the survivor stays), and published
(`sentiment.customer.changed`: the customer read model follows). Late replies folded before
they were kept (migration 0006) are not replayed: nothing tells which or when.
Erasure: scores and late replies hold no personal data (ids, labels, probabilities, times) and
are kept: they are the tenant's sentiment tallies; the reason given with a staff override is
blanked.
"""

from __future__ import annotations

import uuid

from moodline_kit.customer_data import CustomerData

from sentiment.domain.aggregate import Observation, replay
from sentiment.domain.customer import CustomerSentiment
from sentiment.domain.scoring import Emotions, Label, Score
from sentiment.service_layer.aggregation import save_customers
from sentiment.service_layer.unit_of_work import SentimentUnitOfWork


async def reassign(
    uow: SentimentUnitOfWork, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    survivor = str(to_id)
    await uow.customer_data.reassign(tenant_id, str(from_id), survivor)
    locked = await uow.sentiment.lock_customers([(tenant_id, survivor)])
    current, _ = locked[(tenant_id, survivor)]
    messages = []
    for row in await uow.customer_data.scores_of(tenant_id, survivor):
        emotions = Emotions(row.frustration, row.satisfaction, row.confusion, row.urgency)
        score = Score(Label(row.label), row.score, row.confidence, emotions)
        messages.append((row.sent_at, Observation.of_message(score, row.message_id)))
    signals = []
    for row in await uow.customer_data.outcomes_of(tenant_id, survivor):
        if row.csat is not None:
            signals.append((row.csat_at or row.updated_at, Observation.of_csat(row.csat)))
        if row.escalated_at is not None:
            signals.append((row.escalated_at, Observation.of_escalation()))
    for row in await uow.customer_data.late_replies_of(tenant_id, survivor):
        signals.append((row.replied_at, Observation.of_late_reply(very_late=row.very_late)))
    aggregate = replay(messages, signals)
    rebuilt = CustomerSentiment(
        aggregate=aggregate,
        override=current.override,
        published_label=current.published_label,
        published_score=current.published_score,
        published_trend=current.published_trend,
    )
    await save_customers(uow, {(tenant_id, survivor): rebuilt}, force=True)


async def erase(uow: SentimentUnitOfWork, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    await uow.customer_data.erase(tenant_id, str(customer_id))


CUSTOMER_DATA = CustomerData("sentiment", reassign, erase)  # type: ignore[arg-type]
