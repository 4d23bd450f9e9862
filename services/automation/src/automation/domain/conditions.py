"""Conditions: the facts a run sees (customer, sentiment, consent, segment, the event) as one
flat mapping of dotted paths, and the operators over them. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from automation.domain.customers import CustomerProfile
from automation.domain.workflow import SEGMENTS


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def segments_of(customer: Mapping[str, Any], sentiment: Mapping[str, Any]) -> list[str]:
    """The customer-list segments this customer is in (the subset conditions can name)."""
    found = []
    stage = customer.get("lifecycle_stage")
    if customer.get("vip"):
        found.append("vip")
    label = sentiment.get("label")
    if label == "happy":
        found.append("happy")
    elif label == "neutral":
        found.append("neutral")
    elif label == "frustrated":
        found.append("problem")
    if stage in ("at_risk", "churned"):
        found.append(stage)
    if stage == "prospect":
        found.append("new")
    return [s for s in SEGMENTS if s in found]


def facts(
    *,
    customer: Mapping[str, Any],
    sentiment: Mapping[str, Any],
    consents: Mapping[str, bool],
    event: dict[str, Any],
) -> dict[str, Any]:
    """Everything a condition may read, by dotted path. `customer` holds the profile fields
    (custom fields under `custom`); `consents` the latest opt-in per kind."""
    out: dict[str, Any] = {}
    for key, value in customer.items():
        if key == "custom":
            for name, inner in (value or {}).items():
                out[f"customer.custom.{name}"] = inner
        else:
            out[f"customer.{key}"] = value
    for key, value in sentiment.items():
        out[f"sentiment.{key}"] = value
    for kind, granted in consents.items():
        out[f"consent.{kind}"] = granted
    out["segment"] = segments_of(customer, sentiment)
    _flatten("event", event, out)
    return out


def profile_facts(customer: CustomerProfile, event: dict[str, Any]) -> dict[str, Any]:
    """The facts of a run for this customer and its triggering event ({} for none)."""
    return facts(
        customer=customer.fields,
        sentiment=customer.sentiment,
        consents=customer.consents,
        event=event,
    )


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def holds(op: str, actual: Any, expected: Any = None) -> bool:
    if op == "is_set":
        return _is_set(actual)
    if op == "is_not_set":
        return not _is_set(actual)
    if isinstance(actual, list):
        items = {_text(a) for a in actual}
        if op in ("eq", "contains"):
            return _text(expected) in items
        if op in ("ne", "not_contains"):
            return _text(expected) not in items
        if op == "in":
            return bool(items & {_text(e) for e in expected})
        return False
    if op == "eq":
        return actual is not None and _text(actual) == _text(expected)
    if op == "ne":
        return actual is None or _text(actual) != _text(expected)
    if op == "contains":
        return actual is not None and _text(expected) in _text(actual)
    if op == "not_contains":
        return actual is None or _text(expected) not in _text(actual)
    if op == "in":
        return actual is not None and _text(actual) in {_text(e) for e in expected}
    a, e = _number(actual), _number(expected)
    if a is None or e is None:
        return False
    return {"gt": a > e, "gte": a >= e, "lt": a < e, "lte": a <= e}[op]


@dataclass(frozen=True)
class Outcome:
    condition: dict[str, Any]
    holds: bool
    actual: str


def evaluate(conditions: list[dict[str, Any]], known: dict[str, Any]) -> list[Outcome]:
    out = []
    for c in conditions:
        actual = known.get(c["field"])
        out.append(
            Outcome(
                c, holds(c["op"], actual, c.get("value")), "" if actual is None else str(actual)
            )
        )
    return out


def describe(outcome: Outcome) -> str:
    c = outcome.condition
    value = f" {c['value']!r}" if "value" in c else ""
    return f"{c['field']} {c['op']}{value} did not hold (was {outcome.actual or 'unset'!s})"
