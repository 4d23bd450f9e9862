"""The visibility of the call being served, from its verified claims (docs/trust.md), as SQL.

Read where the queries are built, so every read path (get, exists, list, search, stats,
folders) applies it; work the service does on its own (consumers, jobs) has no claims and sees
everything."""

from __future__ import annotations

import sqlalchemy as sa
from moodline_kit import auth
from moodline_kit.errors import Unauthenticated

from customer.adapters.tables import customers
from customer.domain.visibility import Visibility

c = customers.c


def current_visibility() -> Visibility | None:
    """None: unrestricted."""
    try:
        claims = auth.current_claims()
    except Unauthenticated:
        return None
    visibility = Visibility(
        folders=None if claims.folders is None else frozenset(str(f) for f in claims.folders),
        unfoldered=claims.unfoldered,
        assigned_to=claims.subject.partition(":")[2] if claims.assigned_only else None,
    )
    return None if visibility.unrestricted else visibility


def visibility_conditions(visibility: Visibility | None) -> list[sa.ColumnElement[bool]]:
    if visibility is None:
        return []
    out: list[sa.ColumnElement[bool]] = []
    if visibility.folders is not None:
        allowed = c.folder.in_(sorted(visibility.folders)) if visibility.folders else sa.false()
        out.append(sa.or_(allowed, c.folder == "") if visibility.unfoldered else allowed)
    elif not visibility.unfoldered:
        out.append(c.folder != "")
    if visibility.assigned_to is not None:
        out.append(c.workers.contains(sa.cast([visibility.assigned_to], c.workers.type)))
    return out
