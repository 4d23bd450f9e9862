"""Response timing, a conversation outcome signal: how long the customer waited for a reply.

A customer message starts a wait, unless one is already running. The business's next reply
(a staff agent's or the AI's message) ends it. If the reply came later than the channel's
response target, the customer had a worse experience, and that counts as one more observation
in the conversation and customer aggregates (see aggregate.py):

- late (waited more than the target): polarity -0.5, weight 1, the same as an escalation;
- very late (more than 4x the target): polarity -1.0, weight 1, as much as one frustrated
  message.

A reply on time adds nothing: customers expect speed and do not praise it. Phone calls are
answered live, so their transcript lines have no target by default.

The targets are tenant settings (a clinic may promise email replies within 4 hours, a trades
business within 2 days): `RESPONSE_TARGETS` are the defaults, `ReplyTargets` a tenant's.

Events can be applied out of order, because several consumer loops share the stream. The clock
keeps the last reply it applied. A customer message sent before that reply is taken as already
answered, so a wait is never counted twice. At worst a late reply applied before the message it
answered is missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moodline.enums import Channel

from sentiment.domain.aggregate import Observation

# How soon a customer expects a reply, per channel (None: answered live).
RESPONSE_TARGETS: dict[Channel, timedelta | None] = {
    Channel.PHONE: None,
    Channel.SMS: timedelta(hours=1),
    Channel.WHATSAPP: timedelta(hours=1),
    Channel.EMAIL: timedelta(hours=24),
    Channel.WEBCHAT: timedelta(minutes=10),
}
CHANNEL_NAMES = frozenset(c.value for c in Channel)
VERY_LATE_FACTOR = 4
MAX_TARGET_MINUTES = 30 * 24 * 60


@dataclass(frozen=True, slots=True)
class ReplyTargets:
    """A tenant's reply target per channel (None: no target)."""

    targets: dict[Channel, timedelta | None] = field(default_factory=lambda: dict(RESPONSE_TARGETS))

    def of(self, channel: Channel) -> timedelta | None:
        return self.targets.get(channel)

    @classmethod
    def from_minutes(cls, minutes: dict[str, int]) -> ReplyTargets:
        """The defaults with stored per-channel minutes (0: no target) applied; stored keys
        that are not channels (none are written) are ignored."""
        merged = dict(RESPONSE_TARGETS)
        for name, value in minutes.items():
            if name in CHANNEL_NAMES:
                merged[Channel(name)] = timedelta(minutes=value) if value else None
        return cls(merged)

    def minutes(self) -> dict[str, int]:
        """Every channel's target in whole minutes (0: no target)."""
        return {c.value: int(t.total_seconds() // 60) if t else 0 for c, t in self.targets.items()}


def target_errors(minutes: dict[str, int]) -> dict[str, str]:
    """What is wrong with a change of targets, by channel name (empty: valid)."""
    errors = {}
    for name, value in minutes.items():
        if name not in CHANNEL_NAMES:
            errors[name] = "unknown channel: one of " + ", ".join(c.value for c in Channel)
        elif not 0 <= value <= MAX_TARGET_MINUTES:
            errors[name] = f"0 (no target) or 1..{MAX_TARGET_MINUTES} minutes"
    return errors


@dataclass(frozen=True, slots=True)
class ReplyClock:
    # When the customer's oldest unanswered message was sent (None: nothing awaits a reply).
    awaiting_since: datetime | None = None
    # The latest reply applied so far.
    last_reply_at: datetime | None = None

    def customer_wrote(self, at: datetime) -> ReplyClock:
        if self.last_reply_at is not None and at <= self.last_reply_at:
            return self  # sent before a reply already applied: answered
        if self.awaiting_since is not None and self.awaiting_since <= at:
            return self  # a wait is already running since an earlier message
        return ReplyClock(at, self.last_reply_at)

    def business_replied(self, at: datetime) -> tuple[ReplyClock, timedelta | None]:
        """The clock after a reply sent at `at`, and how long the customer waited for it
        (None when the reply ended no wait)."""
        last = at if self.last_reply_at is None else max(self.last_reply_at, at)
        if self.awaiting_since is None or at < self.awaiting_since:
            return ReplyClock(self.awaiting_since, last), None
        return ReplyClock(None, last), at - self.awaiting_since


DEFAULT_TARGETS = ReplyTargets()


def late_reply(
    waited: timedelta, channel: Channel | None, targets: ReplyTargets = DEFAULT_TARGETS
) -> Observation | None:
    """The observation a reply after `waited` adds, or None when it was on time (or the
    channel has no target)."""
    target = targets.of(channel) if channel is not None else None
    if target is None or waited <= target:
        return None
    return Observation.of_late_reply(very_late=waited > VERY_LATE_FACTOR * target)
