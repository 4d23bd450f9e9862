"""What a customer list may ask for: segments, sorts and filters (validated, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from moodline_kit.errors import FieldViolation, InvalidArgument

from customer.domain.profile import CHANNELS

SENTIMENTS = ("happy", "neutral", "frustrated")
# Substring search uses a trigram index; a 1-2 character pattern has no trigram, so it would
# scan every customer of the tenant (about a second at 1M customers). It is refused instead.
MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 200
# A list page: at most this many customers (this many when the request names none).
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
STAGES = ("prospect", "lead", "customer", "repeat", "vip", "at_risk", "churned")


class Segment(StrEnum):
    ALL = "all"
    VIP = "vip"
    HIGH_VALUE = "high_value"
    AT_RISK = "at_risk"
    RECENT = "recent"
    INACTIVE = "inactive"
    HAPPY = "happy"
    PROBLEM = "problem"


class Sort(StrEnum):
    RECENT = "recent"  # newest customers first
    NAME = "name"  # alphabetical
    CONVERSATIONS = "conversations"  # most interactions first
    LTV = "ltv"  # highest lifetime value first
    LAST_INTERACTION = "last_interaction"  # most recently active first


@dataclass(frozen=True)
class Thresholds:
    high_value_ltv_minor: int = 100_000
    recent_days: int = 30
    inactive_days: int = 90


@dataclass(frozen=True)
class ListQuery:
    text: str = ""
    segment: Segment = Segment.ALL
    sort: Sort = Sort.RECENT
    stage: str = ""
    tag: str = ""
    folder: str = ""
    channel: str = ""
    sentiment: str = ""
    min_ltv_minor: int | None = None
    min_conversations: int | None = None
    last_contact_within_days: int | None = None
    custom_fields: dict[str, object] = field(default_factory=dict)
    extra_ids: tuple[str, ...] = ()  # customers whose messages match `text`


def parse_list_query(
    *,
    text: str,
    segment: str,
    sort: str,
    stage: str = "",
    tag: str = "",
    folder: str = "",
    channel: str = "",
    sentiment: str = "",
    min_ltv_minor: int | None = None,
    min_conversations: int | None = None,
    last_contact_within_days: int | None = None,
) -> ListQuery:
    v: list[FieldViolation] = []

    def choose(value: str, name: str, choices) -> str:  # type: ignore[no-untyped-def]
        value = value.strip().lower()
        if value and value not in choices:
            v.append(FieldViolation(name, f"must be one of: {', '.join(choices)}"))
        return value

    if 0 < len(text.strip()) < MIN_QUERY_LENGTH:
        v.append(FieldViolation("query", f"must be at least {MIN_QUERY_LENGTH} characters"))
    seg = choose(segment, "segment", [s.value for s in Segment]) or "all"
    srt = choose(sort, "sort", [s.value for s in Sort]) or "recent"
    stage = choose(stage, "stage", STAGES)
    channel = choose(channel, "channel", CHANNELS)
    sentiment = choose(sentiment, "sentiment", SENTIMENTS)
    for name, value in (
        ("min_ltv", min_ltv_minor),
        ("min_conversations", min_conversations),
        ("last_contact_within_days", last_contact_within_days),
    ):
        if value is not None and value < 0:
            v.append(FieldViolation(name, "must not be negative"))
    if v:
        raise InvalidArgument.of_all(v)
    return ListQuery(
        text=text.strip(),
        segment=Segment(seg),
        sort=Sort(srt) if srt in Sort._value2member_map_ else Sort.RECENT,
        stage=stage,
        tag=" ".join(tag.split()).lower(),
        folder=folder.strip(),
        channel=channel,
        sentiment=sentiment,
        min_ltv_minor=min_ltv_minor,
        min_conversations=min_conversations,
        last_contact_within_days=last_contact_within_days,
    )
