"""The customer as a run sees it (read from the customer service by the effects adapter)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CustomerProfile:
    """What conditions read (`fields`, `sentiment`, the latest consent per kind), what templates
    name (`values`: `customer.first_name`, `customer.custom.<key>`, ...; moodline_kit.templating)
    and who works with the customer (a task's default owner is the first)."""

    id: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    sentiment: Mapping[str, Any] = field(default_factory=dict)
    consents: Mapping[str, bool] = field(default_factory=dict)
    values: Mapping[str, object] = field(default_factory=dict)
    workers: tuple[str, ...] = ()
