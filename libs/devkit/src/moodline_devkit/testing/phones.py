"""Phone numbers for tests, distinct within the test process.

Random four-digit suffixes collide: 25 of them share one about 3% of the time (the birthday
bound), and two "different" customers then become one. Each prefix hands out its 10,000
suffixes in a random order, each once."""

from __future__ import annotations

import random
from collections.abc import Iterator

_suffixes: dict[str, Iterator[int]] = {}


def unique_phone(prefix: str = "+1415555") -> str:
    """`prefix` and four digits not handed out before with that prefix in this process."""
    if prefix not in _suffixes:
        _suffixes[prefix] = iter(random.sample(range(10_000), 10_000))
    try:
        return f"{prefix}{next(_suffixes[prefix]):04d}"
    except StopIteration:
        raise RuntimeError(f"all 10,000 numbers starting {prefix} are used") from None
