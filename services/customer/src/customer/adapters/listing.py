"""The customer list (filters, sorts, keyset cursors), the counters and the inactivity scan."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from moodline_kit import paging
from moodline_kit.validation import INT32_MAX, INT64_MAX, instant_problem, text_problem
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.proto import LIST_ROW_FIELDS
from customer.adapters.rows import CUSTOMER_COLUMNS, customer_from_row
from customer.adapters.tables import customer_stats, customers
from customer.adapters.visibility import current_visibility, visibility_conditions
from customer.domain import contacts
from customer.domain.listing import ListQuery, Segment, Sort, Thresholds
from customer.domain.model import Customer
from customer.domain.records import Page, Stats

c = customers.c


# sort -> (column, descending)
SORTS: dict[Sort, tuple[sa.ColumnElement, bool]] = {
    Sort.RECENT: (c.created_at, True),
    Sort.NAME: (c.sort_name, False),
    Sort.CONVERSATIONS: (c.interactions_count, True),
    Sort.LTV: (c.ltv_minor, True),
    Sort.LAST_INTERACTION: (c.last_activity_at, True),
}


def encode_cursor(key: Any, customer_id: uuid.UUID, sort: Sort = Sort.RECENT) -> str:
    value = key.isoformat() if isinstance(key, datetime) else key
    return paging.encode_cursor([sort.value, value, str(customer_id)])


def decode_cursor(cursor: str, sort: Sort = Sort.RECENT) -> tuple[Any, uuid.UUID]:
    token = paging.decode_cursor(cursor)
    try:
        name, value, ident = token
        if name != sort.value:
            raise ValueError("cursor of another sort")
        if sort in (Sort.RECENT, Sort.LAST_INTERACTION):
            value = datetime.fromisoformat(value)
            if instant_problem(value):
                raise ValueError("timestamp out of range")
        elif sort is Sort.NAME:
            value = str(value)
            if text_problem(value):
                raise ValueError("not storable text")
        else:
            value = int(value)
            top = INT32_MAX if sort is Sort.CONVERSATIONS else INT64_MAX  # INTEGER / BIGINT
            if not -top - 1 <= value <= top:
                raise ValueError("out of range")
        return value, uuid.UUID(ident)
    except (TypeError, ValueError) as exc:
        raise paging.malformed_cursor() from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(text: str) -> sa.ColumnElement[bool] | None:
    text = text.strip().lower()
    if not text:
        return None
    patterns = [f"%{_escape_like(text)}%"]
    if contacts.looks_like_phone(text):
        digit_query = contacts.digits(text)
        patterns.append(f"%{digit_query}%")
        if digit_query.lstrip("0") and digit_query.lstrip("0") != digit_query:
            patterns.append(f"%{digit_query.lstrip('0')}%")
    patterns = list(dict.fromkeys(patterns))
    return sa.or_(*(c.search_doc.like(p) for p in patterns))


# What a list item shows, in the order `adapters.proto.list_row_to_proto` unpacks it, then the
# sort keys of the cursor (read by name); not the search document, the per-channel counts or the
# lifecycle/billing bookkeeping columns.


def _as_driver_returns(column: sa.Column) -> sa.ColumnElement:
    """An ARRAY column read as asyncpg returns it (a list) without SQLAlchemy's ARRAY result
    processor, which walks every item in Python (~10% of a list page's CPU for tags + workers)."""
    if isinstance(column.type, sa.ARRAY):
        return sa.type_coerce(column, sa.types.NullType()).label(column.name)
    return column


LIST_COLUMNS = [_as_driver_returns(customers.c[name]) for name in LIST_ROW_FIELDS] + [c.sort_name]


def stats_statement(tenant_id: uuid.UUID | sa.BindParameter) -> sa.Select:
    """The tenant's counters: the sum of its stats shards (at most 16 rows)."""
    s = customer_stats.c
    return sa.select(
        *(
            sa.func.sum(col).cast(sa.BigInteger).label(col.name)
            for col in (s.total, s.vip, s.happy, s.problem, s.total_ltv_minor)
        )
    ).where(s.tenant_id == tenant_id)


# Built once: building the statement and its cache key on every call was ~10% of a stats RPC.
_STATS = stats_statement(sa.bindparam("tenant_id"))


class CustomerListing:
    _session: AsyncSession

    async def list(
        self,
        tenant_id: uuid.UUID,
        query: ListQuery,
        *,
        thresholds: Thresholds,
        limit: int,
        cursor: str,
        now: datetime | None = None,
    ) -> Page:
        stmt = list_statement(
            tenant_id, query, thresholds=thresholds, limit=limit, cursor=cursor, now=now
        )
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = ""
        if more and rows:
            last = rows[-1]
            column = SORTS[query.sort][0]
            next_cursor = encode_cursor(getattr(last, column.name), last.id, query.sort)
        return Page(rows, next_cursor)

    async def stats(self, tenant_id: uuid.UUID) -> Stats:
        visibility = current_visibility()
        if visibility is not None:
            # A restricted caller: counted live over the customers it may see (the maintained
            # shards count the whole tenant).
            stmt = sa.select(
                sa.func.count().label("total"),
                sa.func.count().filter(c.is_vip).label("vip"),
                sa.func.count().filter(c.sentiment_label == "happy").label("happy"),
                sa.func.count().filter(c.sentiment_label == "frustrated").label("problem"),
                sa.func.coalesce(sa.func.sum(c.ltv_minor), 0)
                .cast(sa.BigInteger)
                .label("total_ltv_minor"),
            ).where(c.tenant_id == tenant_id, *visibility_conditions(visibility))
            row = (await self._session.execute(stmt)).one()
            return Stats(row.total, row.vip, row.happy, row.problem, row.total_ltv_minor)
        row = (await self._session.execute(_STATS, {"tenant_id": tenant_id})).first()
        if row is None or row.total is None:
            return Stats()
        return Stats(row.total, row.vip, row.happy, row.problem, row.total_ltv_minor)

    async def inactive_candidates(
        self, *, now: datetime, at_risk_after: timedelta, churned_after: timedelta, limit: int
    ) -> list[Customer]:
        """Customers (any tenant) who engaged once (an interaction or a purchase), whose
        inactivity calls for At Risk or Churned and who are not there yet — plus customers who
        never engaged but sit in At Risk / Churned without a payment failure (put there by the
        rule before it required engagement), so the job moves them back. Locked, skipping rows
        another job holds."""
        engaged = sa.or_(c.interactions_count > 0, c.purchases_count > 0)
        stmt = (
            sa.select(*CUSTOMER_COLUMNS)
            .where(
                sa.or_(
                    sa.and_(
                        c.lifecycle_stage != "churned",
                        engaged,
                        c.last_activity_at < now - at_risk_after,
                        sa.or_(
                            c.lifecycle_stage != "at_risk",
                            c.last_activity_at < now - churned_after,
                        ),
                    ),
                    sa.and_(
                        c.lifecycle_stage.in_(("at_risk", "churned")),
                        c.interactions_count == 0,
                        c.purchases_count == 0,
                        c.payment_failed_at.is_(None),
                    ),
                )
            )
            .order_by(c.last_activity_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [customer_from_row(r) for r in (await self._session.execute(stmt)).all()]


def list_statement(
    tenant_id: uuid.UUID,
    query: ListQuery,
    *,
    thresholds: Thresholds,
    limit: int,
    cursor: str,
    now: datetime | None = None,
) -> sa.Select:
    """The one query a list page is: filters, keyset bound, order, limit + 1 (to know whether
    there is a next page). bench/customers times exactly this statement."""
    now = now or datetime.now(UTC)
    stmt = sa.select(*LIST_COLUMNS).where(c.tenant_id == tenant_id)
    for condition in (
        *list_conditions(query, thresholds, now),
        *visibility_conditions(current_visibility()),
    ):
        stmt = stmt.where(condition)
    column, descending = SORTS[query.sort]
    if cursor:
        key, ident = decode_cursor(cursor, query.sort)
        after = sa.tuple_(column, c.id)
        bound = sa.tuple_(sa.literal(key, column.type), sa.literal(ident, c.id.type))
        stmt = stmt.where(after < bound if descending else after > bound)
    order = (column.desc(), c.id.desc()) if descending else (column.asc(), c.id.asc())
    return stmt.order_by(*order).limit(limit + 1)


def list_conditions(
    query: ListQuery, thresholds: Thresholds, now: datetime
) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    text = search_condition(query.text)
    if text is not None:
        if query.extra_ids:
            ids = [uuid.UUID(i) for i in query.extra_ids]
            text = sa.or_(text, c.id.in_(ids))
        out.append(text)
    seg = query.segment
    if seg is Segment.VIP:
        out.append(c.is_vip)
    elif seg is Segment.HIGH_VALUE:
        out.append(c.ltv_minor >= thresholds.high_value_ltv_minor)
    elif seg is Segment.AT_RISK:
        out.append(c.lifecycle_stage == "at_risk")
    elif seg is Segment.RECENT:
        out.append(c.last_activity_at >= now - timedelta(days=thresholds.recent_days))
    elif seg is Segment.INACTIVE:
        cutoff = now - timedelta(days=thresholds.inactive_days)
        out.append(c.last_activity_at < cutoff)
        # Implied, for the planner: activity never precedes creation (last_activity_at starts at
        # created_at and only moves forward), so an inactive customer was created before the
        # cutoff. The newest-first walk then starts at the cutoff instead of skipping every
        # customer created since.
        out.append(c.created_at < cutoff)
    elif seg is Segment.HAPPY:
        out.append(c.sentiment_label == "happy")
    elif seg is Segment.PROBLEM:
        out.append(c.sentiment_label == "frustrated")
    if query.stage:
        out.append(c.lifecycle_stage == query.stage)
    if query.tag:
        out.append(c.tags.contains(sa.cast([query.tag], c.tags.type)))
    if query.folder:
        out.append(c.folder == query.folder)
    if query.channel:
        out.append(
            sa.or_(
                c.preferred_channel == query.channel,
                sa.and_(c.preferred_channel == "", c.most_common_channel == query.channel),
            )
        )
    if query.sentiment:
        out.append(c.sentiment_label == query.sentiment)
    if query.min_ltv_minor is not None:
        out.append(c.ltv_minor >= query.min_ltv_minor)
    if query.min_conversations is not None:
        out.append(c.interactions_count >= query.min_conversations)
    if query.last_contact_within_days is not None:
        out.append(c.last_contact_at >= now - timedelta(days=query.last_contact_within_days))
    if query.custom_fields:
        out.append(c.custom_fields.contains(sa.cast(query.custom_fields, JSONB)))
    return out
