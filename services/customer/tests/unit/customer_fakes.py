"""In-memory customer repositories and a fake unit of work over them: the handlers run on these
in unit tests exactly as on PostgreSQL (same methods, same answers for what they use)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from customer.adapters.tenant_settings import DEFAULT_COUNTRY
from customer.domain.listing import Thresholds
from customer.domain.model import Customer, StageChange
from customer.domain.records import TimelineEntry
from moodline_devkit.testing.fakes import FakeUnitOfWork

Key = tuple[uuid.UUID, uuid.UUID]


@dataclass
class Store:
    customers: dict[Key, Customer] = field(default_factory=dict)
    stages: dict[Key, list[StageChange]] = field(default_factory=dict)
    timeline: dict[Key, list[TimelineEntry]] = field(default_factory=dict)
    settings: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


class InMemoryCustomers:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add_many(self, new: list[Customer]) -> None:
        for customer in new:
            key = (customer.tenant_id, customer.id)
            assert key not in self._store.customers, "duplicate id"
            self._store.customers[key] = copy.deepcopy(customer)

    async def save(
        self,
        customer: Customer,
        *,
        expected_version: int | None,
        contacts_changed: bool,
        changes: int = 1,
    ) -> bool:
        key = (customer.tenant_id, customer.id)
        stored = self._store.customers.get(key)
        if stored is None or expected_version not in (None, stored.version):
            return False
        customer.version = stored.version + changes
        self._store.customers[key] = copy.deepcopy(customer)
        return True

    async def delete(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, expected_version: int | None
    ) -> bool:
        stored = self._store.customers.get((tenant_id, customer_id))
        if stored is None or expected_version not in (None, stored.version):
            return False
        del self._store.customers[(tenant_id, customer_id)]
        return True

    async def lock_contacts(self, tenant_id: uuid.UUID, contacts: Any) -> None:
        """One task at a time runs a handler here: nothing to serialise."""

    async def find_by_contacts(
        self, tenant_id: uuid.UUID, contacts: Any
    ) -> dict[tuple[str, str], Customer]:
        found = {}
        for kind, value in contacts:
            if kind == "phone":
                owner = self._first(
                    tenant_id, lambda c, v=value: any(p.number == v for p in c.phones)
                )
            else:
                owner = self._first(
                    tenant_id, lambda c, v=value: any(e.address == v for e in c.emails)
                )
            if owner is not None:
                found[(kind, value)] = owner
        return found

    def _first(self, tenant_id: uuid.UUID, match: Any) -> Customer | None:
        owners = [c for (t, _), c in self._store.customers.items() if t == tenant_id and match(c)]
        owners.sort(key=lambda c: (c.created_at, c.id))
        return copy.deepcopy(owners[0]) if owners else None

    async def get(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        for_update: bool = False,
        full: bool = True,
    ) -> Customer | None:
        found = self._store.customers.get((tenant_id, customer_id))
        if found is None:
            return None
        found = copy.deepcopy(found)
        if full:
            found.stage_history = list(self._store.stages.get((tenant_id, customer_id), []))
        return found

    async def exists(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
        return (tenant_id, customer_id) in self._store.customers

    async def add_stage_change(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, change: StageChange
    ) -> None:
        self._store.stages.setdefault((tenant_id, customer_id), []).append(change)

    async def add_first_stages(
        self, tenant_id: uuid.UUID, changes: list[tuple[uuid.UUID, StageChange]]
    ) -> None:
        for customer_id, change in changes:
            await self.add_stage_change(tenant_id, customer_id, change)

    async def stage_history(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> list[StageChange]:
        return list(self._store.stages.get((tenant_id, customer_id), []))

    async def add_timeline(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        kind: str,
        type: str,
        summary: str,
        data: dict | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        entries = self._store.timeline.setdefault((tenant_id, customer_id), [])
        when = occurred_at or datetime.now().astimezone()
        entries.append(TimelineEntry(len(entries) + 1, kind, type, summary, data or {}, when))

    async def add_timeline_many(
        self,
        tenant_id: uuid.UUID,
        occurrences: list[tuple[uuid.UUID, datetime]],
        *,
        kind: str,
        type: str,
        summary: str,
    ) -> None:
        for customer_id, occurred_at in occurrences:
            await self.add_timeline(
                tenant_id,
                customer_id,
                kind=kind,
                type=type,
                summary=summary,
                occurred_at=occurred_at,
            )


class InMemoryTenantSettings:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def default_country(self, tenant_id: uuid.UUID) -> str:
        return (await self.settings(tenant_id))[0]

    async def thresholds(self, tenant_id: uuid.UUID) -> Thresholds:
        return (await self.settings(tenant_id))[1]

    async def settings(self, tenant_id: uuid.UUID) -> tuple[str, Thresholds]:
        values = dict(self._store.settings.get(tenant_id, {}))
        country = values.pop("default_country", DEFAULT_COUNTRY)
        return country, replace(Thresholds(), **values)

    async def definitions(self, tenant_id: uuid.UUID) -> dict[str, Any]:
        return {}

    async def set_default_country(self, tenant_id: uuid.UUID, country: str) -> None:
        await self.update(tenant_id, {"default_country": country})

    async def update(self, tenant_id: uuid.UUID, values: dict[str, Any]) -> None:
        self._store.settings.setdefault(tenant_id, {}).update(values)


class FakeCustomerUnitOfWork(FakeUnitOfWork):
    customers: InMemoryCustomers
    tenants: InMemoryTenantSettings

    def __init__(self) -> None:
        super().__init__(Store())

    def _start(self) -> None:
        self.customers = InMemoryCustomers(self.store)
        self.tenants = InMemoryTenantSettings(self.store)
