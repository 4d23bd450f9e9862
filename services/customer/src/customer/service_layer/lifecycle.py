"""Applying the lifecycle rules: stage history, timeline and customer.stage.changed, in the
unit of work of whatever changed the facts; and the daily inactivity job."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.events import Event

from customer.adapters import events
from customer.domain import lifecycle as rules
from customer.domain.model import Customer, LifecycleStage, StageChange
from customer.service_layer.unit_of_work import CustomerUnitOfWork

log = logging.getLogger(__name__)


def facts_of(customer: Customer) -> rules.StageFacts:
    return rules.StageFacts(
        qualified=customer.qualified,
        purchases_count=customer.read.purchases_count,
        ltv_minor=customer.read.ltv_minor,
        vip_manual=customer.vip_manual,
        last_activity_at=customer.read.last_activity_at or customer.created_at,
        engaged=customer.read.interactions_count > 0 or customer.read.purchases_count > 0,
        payment_failed=customer.read.payment_failed_at is not None,
    )


async def record_initial_stages(work: CustomerUnitOfWork, new: Sequence[Customer]) -> None:
    """Each new customer's first stage (one statement for all of them)."""
    changes = []
    for customer in new:
        change = StageChange(
            "", customer.lifecycle_stage.value, "first contact", customer.created_at
        )
        changes.append((customer.id, change))
        customer.stage_history = [change]
    if changes:
        await work.customers.add_first_stages(new[0].tenant_id, changes)


async def reevaluate(
    work: CustomerUnitOfWork, customer: Customer, now: datetime | None = None
) -> rules.StageDecision | None:
    """Recompute the VIP flag and the stage; record a change. The caller saves the customer."""
    now = now or datetime.now(UTC)
    facts = facts_of(customer)
    customer.is_vip = rules.is_vip(facts)
    decision = rules.transition(customer.lifecycle_stage, facts, now)
    if decision is None:
        return None
    before = customer.lifecycle_stage
    customer.lifecycle_stage = decision.stage
    customer.stage_changed_at = now
    change = StageChange(before.value, decision.stage.value, decision.reason, now)
    await work.customers.add_stage_change(customer.tenant_id, customer.id, change)
    customer.stage_history = [change, *customer.stage_history]
    await work.customers.add_timeline(
        customer.tenant_id,
        customer.id,
        kind="stage",
        type=subjects.CUSTOMER_STAGE_CHANGED,
        summary=f"Stage {before.value} → {decision.stage.value} ({decision.reason})",
        data={"from": before.value, "to": decision.stage.value, "reason": decision.reason},
        occurred_at=now,
    )
    work.emit(
        Event(
            subject=subjects.CUSTOMER_STAGE_CHANGED,
            tenant_id=customer.tenant_id,
            aggregate_id=str(customer.id),
            payload=events.stage_changed(customer, before, decision),
            occurred_at=now,
        )
    )
    return decision


async def run_inactivity_rules(
    *,
    uow: Callable[[], CustomerUnitOfWork],
    now: datetime | None = None,
    batch_size: int = 500,
) -> int:
    """Move customers idle 90+ days to At Risk and 180+ days to Churned, in batches (each its
    own transaction, rows locked with SKIP LOCKED so concurrent runs never collide).
    Returns how many customers changed stage."""
    now = now or datetime.now(UTC)
    changed = 0
    while True:
        async with uow() as work:
            batch = await work.customers.inactive_candidates(
                now=now,
                at_risk_after=rules.AT_RISK_AFTER,
                churned_after=rules.CHURNED_AFTER,
                limit=batch_size,
            )
            for customer in batch:
                if await reevaluate(work, customer, now):
                    changed += 1
                    customer.updated_at = now
                    await work.customers.save(
                        customer, expected_version=None, contacts_changed=False
                    )
            await work.commit()
        if len(batch) < batch_size:
            break
    log.info("inactivity rules applied", extra={"changed": changed})
    return changed


__all__ = ["LifecycleStage", "reevaluate", "run_inactivity_rules"]
