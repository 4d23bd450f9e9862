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
