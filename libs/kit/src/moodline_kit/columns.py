"""The columns every Moodline table spells the same way: ids, the tenant, timestamps."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID


def uuid_key(name: str = "id", **options: Any) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), primary_key=True, **options)


def uuid_column(name: str, *args: Any, nullable: bool = False, **options: Any) -> sa.Column:
    return sa.Column(name, UUID(as_uuid=True), *args, nullable=nullable, **options)


def tenant_key() -> sa.Column:
    """`tenant_id` as the first part of a composite primary key."""
    return uuid_key("tenant_id")


def tenant_column(*args: Any) -> sa.Column:
    """`tenant_id`, required (every row belongs to one tenant)."""
    return uuid_column("tenant_id", *args)


def timestamp(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column:
    """A timezone-aware timestamp; `now`: the database's now() by default."""
    default = {"server_default": sa.func.now()} if now else {}
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **default)


def tenant_table(name: str, metadata: sa.MetaData, *items: Any, **options: Any) -> sa.Table:
    """A table of tenant-owned rows: `id` (UUID primary key) and `tenant_id`, then `items`."""
    return sa.Table(name, metadata, uuid_key(), tenant_column(), *items, **options)


def tenant_index(name: str, table: sa.Table, *columns: Any, **options: Any) -> sa.Index:
    """An index whose first column is `tenant_id` (every query filters on it), then `columns`
    (names or column expressions such as `table.c.created_at.desc()`)."""
    named = [table.c[c] if isinstance(c, str) else c for c in columns]
    return sa.Index(name, table.c.tenant_id, *named, **options)


def counters(*names: str) -> list[sa.Column]:
    """Counts that start at 0 (BIGINT NOT NULL DEFAULT 0), in this order."""
    return [sa.Column(n, sa.BigInteger, nullable=False, server_default="0") for n in names]


def texts(*names: str) -> list[sa.Column]:
    """Free text that may be left empty (TEXT NOT NULL DEFAULT ''), in this order."""
    return [sa.Column(n, sa.Text, nullable=False, server_default="") for n in names]


def required(kind: Any, *names: str, **options: Any) -> list[sa.Column]:
    """Columns of one type that every row fills (NOT NULL), in this order; `options` (a
    server_default...) apply to each."""
    return [sa.Column(n, kind, nullable=False, **options) for n in names]


def timestamps(*names: str, nullable: bool = False) -> list[sa.Column]:
    """Timezone-aware timestamps, in this order (see `timestamp`)."""
    return [timestamp(n, nullable=nullable) for n in names]
