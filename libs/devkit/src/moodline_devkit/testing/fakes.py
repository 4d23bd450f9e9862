"""Fakes for handler unit tests: a unit of work over in-memory repositories, and a clock.

`FakeUnitOfWork` behaves as the kit's: changes made inside `async with uow() as work:` stay only
when `work.commit()` ran (a snapshot of the in-memory store is restored otherwise), and the
events emitted before a commit are "published" (`uow.published`) by it, as the outbox would.
A service's fake subclasses it and binds its in-memory repositories to `self.store` in `_start`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from moodline_kit.events import Event
from moodline_kit.paging import decode_time_key, encode_time_key

T = TypeVar("T")


class FakeUnitOfWork:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.published: list[Event] = []
        self.commits = 0
        self._pending: list[Event] = []
        self._snapshot: dict[str, Any] = {}

    def __call__(self) -> Self:
        """The fake is its own factory: handlers take `uow: Callable[[], UnitOfWork]`."""
        return self

    async def __aenter__(self) -> Self:
        self._snapshot = copy.deepcopy(vars(self.store))
        self._pending = []
        self._start()
        return self

    def _start(self) -> None:
        """Hook: bind the in-memory repositories to `self.store`."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()  # no-op after a commit

    def emit(self, event: Event) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.published.extend(self._pending)
        self._pending = []
        self._snapshot = copy.deepcopy(vars(self.store))
        self.commits += 1

    async def rollback(self) -> None:
        self._pending = []
        vars(self.store).clear()
        vars(self.store).update(copy.deepcopy(self._snapshot))

    def subjects(self) -> list[str]:
        return [e.subject for e in self.published]


@dataclass
class FakeClock:
    """An injectable clock: tests move time instead of sleeping past real TTLs."""

    now: datetime = field(default_factory=lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()


def time_keyed_page(
    items: Iterable[T],
    when: Callable[[T], datetime],
    *,
    limit: int,
    cursor: str,
    descending: bool = False,
) -> tuple[list[T], str]:
    """A list ordered by (time, id) and paged with the kit's time-key tokens, as the
    repositories page it (`items` have an `id`)."""

    def key(item: Any) -> tuple[datetime, str]:
        return when(item), str(item.id)

    ordered = sorted(items, key=key, reverse=descending)
    if cursor:
        at, ident = decode_time_key(cursor)
        last = (at, str(ident))
        ordered = [i for i in ordered if (key(i) < last if descending else key(i) > last)]
    found = ordered[:limit]
    more = len(ordered) > limit
    return found, encode_time_key(*key(found[-1])) if found and more else ""
