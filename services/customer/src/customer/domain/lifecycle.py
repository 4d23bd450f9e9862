"""Lifecycle stage rules (PRODUCT.md): first contact -> Prospect, qualified -> Lead, first purchase
-> Customer, 3+ purchases -> Repeat, LTV > $1000 -> VIP, 90 days inactive -> At Risk, 180 days ->
Churned. Pure functions over the facts; the service layer applies the result."""

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


@dataclass(frozen=True)
class StageDecision:
    stage: LifecycleStage
    reason: str


def is_vip(facts: StageFacts) -> bool:
    return facts.vip_manual or facts.ltv_minor > VIP_LTV_MINOR


def evaluate(facts: StageFacts, now: datetime) -> StageDecision:
    """The stage the facts call for. Inactivity wins (an inactive VIP is At Risk — the VIP flag
    itself stays, so the VIP segment still lists them)."""
    idle = now - facts.last_activity_at
    if idle >= CHURNED_AFTER:
        return StageDecision(LifecycleStage.CHURNED, f"inactive for {idle.days} days")
    if idle >= AT_RISK_AFTER:
        return StageDecision(LifecycleStage.AT_RISK, f"inactive for {idle.days} days")
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
