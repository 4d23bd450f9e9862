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
from typing import Any, Generic, Self, TypeVar

from moodline_kit.events import Event
from moodline_kit.paging import Page, decode_time_key, encode_time_key

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


class InMemoryRows(Generic[T]):
    """One table of a fake store (`store.<name>`: id -> row), read as the kit's queries
    (moodline_kit.queries) read it: a row of the tenant by id, newest-first pages of one
    customer in some statuses. Rows go in and come out as copies, as from a database. A
    service's in-memory repository subclasses it and adds what its own queries answer."""

    def __init__(
        self, store: Any, name: str, created: Callable[[T], datetime] | None = None
    ) -> None:
        self._store = store
        self._name = name
        self._created = created or (lambda row: row.created_at)  # type: ignore[attr-defined]

    @property
    def rows(self) -> dict[Any, T]:
        return getattr(self._store, self._name)

    async def add(self, row: T) -> bool:
        self.rows[row.id] = copy.deepcopy(row)  # type: ignore[attr-defined]
        return True

    async def update(self, row: T) -> None:
        self.rows[row.id] = copy.deepcopy(row)  # type: ignore[attr-defined]

    async def get(self, tenant_id: Any, ident: Any, *, for_update: bool = False) -> T | None:
        found = self.rows.get(ident)
        mine = found is not None and found.tenant_id == tenant_id  # type: ignore[attr-defined]
        return copy.deepcopy(found) if mine else None

    def where(self, tenant_id: Any, **equal: Any) -> list[T]:
        """Copies of the tenant's rows whose attributes equal `equal`."""
        return [
            copy.deepcopy(row)
            for row in self.rows.values()
            if row.tenant_id == tenant_id  # type: ignore[attr-defined]
            and all(getattr(row, name) == value for name, value in equal.items())
        ]

    async def list(
        self, tenant_id: Any, *, customer_id: Any, statuses: Any, limit: int, cursor: str
    ) -> Page[T]:
        found = [
            row
            for row in self.where(tenant_id)
            if customer_id in (None, row.customer_id)  # type: ignore[attr-defined]
            and (not statuses or row.status in statuses)  # type: ignore[attr-defined]
        ]
        return Page(
            *time_keyed_page(found, self._created, limit=limit, cursor=cursor, descending=True)
        )
