"""Lifecycle stage rules (PRODUCT.md): first contact -> Prospect, qualified -> Lead, first purchase
-> Customer, 3+ purchases -> Repeat, LTV > $1000 -> VIP, 90 days inactive -> At Risk, 180 days ->
Churned; payment failures feed At Risk. Pure functions over the facts; the service layer applies
the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from customer.domain.model import LifecycleStage

VIP_LTV_MINOR = 100_000  # LTV strictly above $1000 (in minor units)
REPEAT_PURCHASES = 3
AT_RISK_AFTER = timedelta(days=90)
CHURNED_AFTER = timedelta(days=180)


@dataclass(frozen=True)
class StageFacts:
    qualified: bool
    purchases_count: int
    ltv_minor: int
    vip_manual: bool
    last_activity_at: datetime
    # At least one interaction (conversation) or purchase: only then can inactivity mean risk.
    engaged: bool = True
    # A payment failed and no later payment succeeded (see read_model.record_payment_failed).
    payment_failed: bool = False


@dataclass(frozen=True)
class StageDecision:
    stage: LifecycleStage
    reason: str


def is_vip(facts: StageFacts) -> bool:
    return facts.vip_manual or facts.ltv_minor > VIP_LTV_MINOR


def evaluate(facts: StageFacts, now: datetime) -> StageDecision:
    """The stage the facts call for, first match wins:
    1. inactivity after previous engagement: 180+ days Churned, 90+ days At Risk (a Prospect or
       Lead who never had a conversation or purchase is not "inactive" — they never engaged);
    2. an unresolved payment failure: At Risk;
    3. VIP (by hand, or LTV above $1000) > Repeat (3+ purchases) > Customer (1+) > Lead
       (qualified) > Prospect.
    At Risk / Churned win over VIP; the VIP flag itself stays, so the VIP segment still lists
    them."""
    idle = now - facts.last_activity_at
    if facts.engaged and idle >= CHURNED_AFTER:
        return StageDecision(LifecycleStage.CHURNED, f"inactive for {idle.days} days")
    if facts.engaged and idle >= AT_RISK_AFTER:
        return StageDecision(LifecycleStage.AT_RISK, f"inactive for {idle.days} days")
    if facts.payment_failed:
        return StageDecision(LifecycleStage.AT_RISK, "payment failed")
    if facts.vip_manual:
        return StageDecision(LifecycleStage.VIP, "VIP set by hand")
    if facts.ltv_minor > VIP_LTV_MINOR:
        return StageDecision(LifecycleStage.VIP, "lifetime value above $1000")
    if facts.purchases_count >= REPEAT_PURCHASES:
        return StageDecision(LifecycleStage.REPEAT, f"{facts.purchases_count} purchases")
    if facts.purchases_count >= 1:
        return StageDecision(LifecycleStage.CUSTOMER, "first purchase")
    if facts.qualified:
        return StageDecision(LifecycleStage.LEAD, "qualified")
    return StageDecision(LifecycleStage.PROSPECT, "first contact")


def transition(current: LifecycleStage, facts: StageFacts, now: datetime) -> StageDecision | None:
    """The decision when it changes the stage, else None."""
    decision = evaluate(facts, now)
    return None if decision.stage == current else decision
