"""A staff override of a customer's label, and when new interactions outweigh it.

The override is treated like one observation of weight OVERRIDE_WEIGHT (= 3 interactions) made
when it was set. Like every observation it decays by d = 2^(-1/5) per later interaction (the
customer aggregate's fast decay), while the interactions after it accumulate as evidence:

    at each later interaction i of weight w_i:   R <- d*R   E <- d*E + w_i
    (R starts at OVERRIDE_WEIGHT, E at 0)

The override is **outweighed** (and lapses by itself) as soon as E >= R, i.e. once the
interactions since the override weigh at least as much, in the decayed average, as the override
does now. With message weights of 1 that is the 3rd message after the override (E = 2.63 vs
R = 1.98); a CSAT rating (weight 2) followed by one message also outweighs it (2.74 vs 2.27).
Interactions count whatever their label: staff judged the customer at one moment, and enough
newer evidence replaces that judgement (if it agrees, nothing visible changes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sentiment.domain.aggregate import FAST_DECAY
from sentiment.domain.scoring import Label

OVERRIDE_WEIGHT = 3.0
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class Override:
    label: Label
    reason: str
    set_by: str
    set_at: datetime
    remaining: float = OVERRIDE_WEIGHT  # R
    evidence: float = 0.0  # E

    def after(self, weight: float) -> Override:
        """The override after one more interaction of `weight`."""
        return replace(
            self,
            remaining=FAST_DECAY * self.remaining,
            evidence=FAST_DECAY * self.evidence + weight,
        )

    @property
    def outweighed(self) -> bool:
        return self.evidence >= self.remaining
