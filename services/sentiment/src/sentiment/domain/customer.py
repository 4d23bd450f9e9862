"""A customer's sentiment: the computed aggregate, an optional staff override, and when a change
is worth an event."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from sentiment.domain.aggregate import Aggregate, Contributor, Observation, Trend
from sentiment.domain.override import Override
from sentiment.domain.scoring import Emotions, Label

# sentiment.customer.changed is published when the shown label or trend changes, or the shown
# score moved by at least this much since the last published value.
SCORE_CHANGE = 0.1


class Source(StrEnum):
    MODEL = "model"
    OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class Shown:
    label: Label
    score: float
    emotions: Emotions
    trend: Trend


@dataclass(frozen=True, slots=True)
class CustomerSentiment:
    aggregate: Aggregate = field(default_factory=Aggregate)
    override: Override | None = None
    # What the last sentiment.customer.changed said (None: nothing published yet).
    published_label: Label | None = None
    published_score: float = 0.0
    published_trend: Trend = Trend.UNSPECIFIED

    @property
    def computed(self) -> Shown:
        a = self.aggregate
        return Shown(a.label, a.score, a.emotions, a.trend)

    @property
    def source(self) -> Source:
        return Source.OVERRIDE if self.override else Source.MODEL

    @property
    def shown(self) -> Shown:
        computed = self.computed
        if self.override is None:
            return computed
        return replace(computed, label=self.override.label)

    def observe(self, o: Observation) -> CustomerSentiment:
        """Add an interaction; an override it outweighs lapses (see domain/override.py)."""
        override = self.override.after(o.weight) if self.override else None
        if override is not None and override.outweighed:
            override = None
        return CustomerSentiment(
            self.aggregate.observe(o),
            override,
            self.published_label,
            self.published_score,
            self.published_trend,
        )

    def explanation(self) -> str:
        if self.override is not None:
            return (
                f"Set by staff: {self.override.reason}" if self.override.reason else "Set by staff."
            )
        return self.aggregate.explanation()

    def drivers(self) -> list[Contributor]:
        """The interactions that drove the computed label (see Aggregate.drivers)."""
        return self.aggregate.drivers()

    def with_override(self, override: Override | None) -> CustomerSentiment:
        return replace(self, override=override)

    def should_publish(self) -> bool:
        if self.published_label is None:
            return self.aggregate.observations > 0 or self.override is not None
        shown = self.shown
        return (
            shown.label != self.published_label
            or shown.trend != self.published_trend
            or abs(shown.score - self.published_score) >= SCORE_CHANGE
        )

    def mark_published(self) -> CustomerSentiment:
        shown = self.shown
        return replace(
            self,
            published_label=shown.label,
            published_score=shown.score,
            published_trend=shown.trend,
        )
