"""All customer queries live here. Every query is scoped by tenant_id, and the reads a caller
makes (get, exists, list, stats) by the customers its credential may see (`visibility`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from moodline_kit import paging
from moodline_kit.validation import INT32_MAX, INT64_MAX, instant_problem, text_problem
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.proto import LIST_ROW_FIELDS
from customer.adapters.tables import (
    custom_field_definitions,
    customer_consents,
    customer_emails,
    customer_notes,
    customer_phones,
    customer_relations,
    customer_stage_history,
    customer_stats,
    customer_timeline,
    customers,
    folders,
    tenant_settings,
)
from customer.adapters.visibility import current_visibility, visibility_conditions
from customer.domain import contacts
from customer.domain.custom_fields import Definition, FieldType
from customer.domain.listing import ListQuery, Segment, Sort, Thresholds
from customer.domain.model import (
    Customer,
    Email,
    LifecycleStage,
    Phone,
    ReadModel,
    Relation,
    StageChange,
)

DEFAULT_COUNTRY = "US"
c = customers.c


@dataclass(frozen=True)
class Page:
    """One list page: rows of LIST_COLUMNS (read by attribute, e.g. `row.first_name`), not
    Customer aggregates. A list is read-only, and building the aggregate of every row only to
    translate it again was a third of the service's CPU per page (`adapters.proto` maps these
    rows straight to messages)."""

    rows: Sequence[Any]
    next_cursor: str


@dataclass(frozen=True)
class Stats:
    total: int = 0
    vip: int = 0
    happy: int = 0
    problem: int = 0
    total_ltv_minor: int = 0


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    kind: str
    type: str
    summary: str
    data: dict
    occurred_at: datetime


@dataclass(frozen=True)
class Note:
    id: uuid.UUID
    customer_id: uuid.UUID
    text: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class ConsentRecord:
    kind: str
    granted: bool
    source: str
    changed_at: datetime


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


def _timeline_id(raw: str) -> int:
    value = int(raw)
    if not 0 < value <= INT64_MAX:  # BIGINT identity
        raise ValueError("out of range")
    return value


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


def _row_values(customer: Customer) -> dict[str, Any]:
    r = customer.read
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company": customer.company,
        "lifecycle_stage": customer.lifecycle_stage.value,
        "search_doc": customer.search_document,
        "sort_name": customer.sort_name,
        "phones": [{"number": p.number, "primary": p.primary} for p in customer.phones],
        "emails": [{"address": e.address, "primary": e.primary} for e in customer.emails],
        "addresses": customer.addresses,
        "preferred_channel": customer.preferred_channel,
        "preferred_contact_time": customer.preferred_contact_time,
        "language": customer.language,
        "timezone": customer.timezone,
        "tags": customer.tags,
        "folder": customer.folder,
        "custom_fields": customer.custom_fields,
        "workers": customer.workers,
        "call_status": customer.call_status,
        "is_vip": customer.is_vip,
        "vip_manual": customer.vip_manual,
        "consents": customer.consents,
        "avatar_color": customer.avatar_color,
        "qualified": customer.qualified,
        "ltv_minor": r.ltv_minor,
        "currency": r.currency,
        "bookings_count": r.bookings_count,
        "purchases_count": r.purchases_count,
        "aov_minor": r.aov_minor,
        "interactions_count": r.interactions_count,
        "channel_counts": r.channel_counts,
        "most_common_channel": r.most_common_channel,
        "last_contact_at": r.last_contact_at,
        "last_purchase_at": r.last_purchase_at,
        "last_activity_at": r.last_activity_at or customer.created_at,
        "sentiment_label": r.sentiment_label,
        "sentiment_score": r.sentiment_score,
        "sentiment_emotions": r.sentiment_emotions,
        "sentiment_trend": r.sentiment_trend,
        "payment_failed_at": r.payment_failed_at,
        "payment_succeeded_at": r.payment_succeeded_at,
        "value_as_of": r.value_as_of,
        "stage_changed_at": customer.stage_changed_at,
        "updated_at": customer.updated_at,
    }


def customer_from_row(r: Any) -> Customer:
    return Customer(
        id=r.id,
        tenant_id=r.tenant_id,
        first_name=r.first_name,
        last_name=r.last_name,
        company=r.company,
        phones=[Phone(p["number"], p["primary"]) for p in r.phones],
        emails=[Email(e["address"], e["primary"]) for e in r.emails],
        lifecycle_stage=LifecycleStage(r.lifecycle_stage),
        created_at=r.created_at,
        updated_at=r.updated_at,
        version=r.version,
        addresses=list(r.addresses),
        preferred_channel=r.preferred_channel,
        preferred_contact_time=r.preferred_contact_time,
        language=r.language,
        timezone=r.timezone,
        tags=list(r.tags),
        folder=r.folder,
        custom_fields=dict(r.custom_fields),
        workers=list(r.workers),
        call_status=r.call_status,
        is_vip=r.is_vip,
        vip_manual=r.vip_manual,
        consents=dict(r.consents),
        avatar_color=r.avatar_color,
        qualified=r.qualified,
        stage_changed_at=r.stage_changed_at,
        read=ReadModel(
            ltv_minor=r.ltv_minor,
            currency=r.currency,
            bookings_count=r.bookings_count,
            purchases_count=r.purchases_count,
            aov_minor=r.aov_minor,
            interactions_count=r.interactions_count,
            channel_counts=dict(r.channel_counts),
            most_common_channel=r.most_common_channel,
            last_contact_at=r.last_contact_at,
            last_purchase_at=r.last_purchase_at,
            last_activity_at=r.last_activity_at,
            sentiment_label=r.sentiment_label,
            sentiment_score=r.sentiment_score,
            sentiment_emotions=dict(r.sentiment_emotions),
            sentiment_trend=r.sentiment_trend,
            payment_failed_at=r.payment_failed_at,
            payment_succeeded_at=r.payment_succeeded_at,
            value_as_of=r.value_as_of,
        ),
    )


# An aggregate reads every column but the search document.
CUSTOMER_COLUMNS = [col for col in customers.c if col.name not in ("search_doc",)]

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


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, customer: Customer) -> None:
        values = _row_values(customer)
        await self._session.execute(
            customers.insert().values(
                id=customer.id,
                tenant_id=customer.tenant_id,
                version=customer.version,
                created_at=customer.created_at,
                **values,
            )
        )
        await self._write_contacts(customer)

    async def _write_contacts(self, customer: Customer, *, replace: bool = False) -> None:
        if replace:
            for table in (customer_phones, customer_emails):
                await self._session.execute(
                    table.delete().where(table.c.customer_id == customer.id)
                )
        if customer.phones:
            await self._session.execute(
                customer_phones.insert(),
                [
                    {
                        "customer_id": customer.id,
                        "position": i,
                        "tenant_id": customer.tenant_id,
                        "e164": p.number,
                        "is_primary": p.primary,
                    }
                    for i, p in enumerate(customer.phones)
                ],
            )
        if customer.emails:
            await self._session.execute(
                customer_emails.insert(),
                [
                    {
                        "customer_id": customer.id,
                        "position": i,
                        "tenant_id": customer.tenant_id,
                        "address": e.address,
                        "is_primary": e.primary,
                    }
                    for i, e in enumerate(customer.emails)
                ],
            )

    async def save(
        self, customer: Customer, *, expected_version: int | None, contacts_changed: bool
    ) -> bool:
        """Write the aggregate back; False when `expected_version` no longer matches."""
        stmt = (
            customers.update()
            .where(c.tenant_id == customer.tenant_id, c.id == customer.id)
            .values(version=c.version + 1, **_row_values(customer))
            .returning(c.version)
        )
        if expected_version is not None:
            stmt = stmt.where(c.version == expected_version)
        version = (await self._session.execute(stmt)).scalar()
        if version is None:
            return False
        customer.version = version
        if contacts_changed:
            await self._write_contacts(customer, replace=True)
        return True

    async def delete(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, expected_version: int | None
    ) -> bool:
        stmt = customers.delete().where(c.tenant_id == tenant_id, c.id == customer_id)
        if expected_version is not None:
            stmt = stmt.where(c.version == expected_version)
        return (await self._session.execute(stmt.returning(c.id))).first() is not None

    async def lock_contact(self, tenant_id: uuid.UUID, contact: str) -> None:
        """Serialise, until the transaction ends, everyone resolving this tenant's contact."""
        await self._session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"{tenant_id}|{contact}")))
        )

    async def find_by_phone(self, tenant_id: uuid.UUID, e164: str) -> Customer | None:
        return await self._find_by(
            sa.select(customer_phones.c.customer_id).where(
                customer_phones.c.tenant_id == tenant_id, customer_phones.c.e164 == e164
            ),
            tenant_id,
        )

    async def find_by_email(self, tenant_id: uuid.UUID, address: str) -> Customer | None:
        return await self._find_by(
            sa.select(customer_emails.c.customer_id).where(
                customer_emails.c.tenant_id == tenant_id, customer_emails.c.address == address
            ),
            tenant_id,
        )

    async def _find_by(self, owners: sa.Select, tenant_id: uuid.UUID) -> Customer | None:
        row = (
            await self._session.execute(
                sa.select(*CUSTOMER_COLUMNS)
                .where(c.tenant_id == tenant_id, c.id.in_(owners))
                .order_by(c.created_at, c.id)
                .limit(1)
            )
        ).first()
        return None if row is None else customer_from_row(row)

    async def get(
        self,
        tenant_id: uuid.UUID,
        customer_id: uuid.UUID,
        *,
        for_update: bool = False,
        full: bool = True,
    ) -> Customer | None:
        stmt = sa.select(*CUSTOMER_COLUMNS).where(
            c.tenant_id == tenant_id,
            c.id == customer_id,
            *visibility_conditions(current_visibility()),
        )
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        customer = customer_from_row(row)
        if full:
            customer.relations = await self.relations(tenant_id, customer_id)
            customer.stage_history = await self.stage_history(tenant_id, customer_id)
        return customer

    async def exists(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> bool:
        return (
            await self._session.scalar(
                sa.select(sa.literal(1)).where(
                    c.tenant_id == tenant_id,
                    c.id == customer_id,
                    *visibility_conditions(current_visibility()),
                )
            )
        ) is not None

    async def visible_ids(self, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        if not ids:
            return []
        rows = await self._session.scalars(
            sa.select(c.id).where(
                c.tenant_id == tenant_id,
                c.id.in_(list(ids)),
                *visibility_conditions(current_visibility()),
            )
        )
        return list(rows)

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

    # --- history, timeline, notes, consents, relations -------------------------------------
    async def add_stage_change(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, change: StageChange
    ) -> None:
        await self._session.execute(
            customer_stage_history.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                from_stage=change.from_stage,
                to_stage=change.to_stage,
                reason=change.reason,
                changed_at=change.changed_at,
            )
        )

    async def stage_history(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> list[StageChange]:
        t = customer_stage_history.c
        rows = await self._session.execute(
            sa.select(t.from_stage, t.to_stage, t.reason, t.changed_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.id.desc())
            .limit(100)
        )
        return [StageChange(*r) for r in rows]

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
        await self._session.execute(
            customer_timeline.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                kind=kind,
                type=type,
                summary=summary[:500],
                data=data or {},
                occurred_at=occurred_at or datetime.now(UTC),
            )
        )

    async def timeline(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, *, limit: int, cursor: str
    ) -> tuple[list[TimelineEntry], str]:
        t = customer_timeline.c
        stmt = sa.select(t.id, t.kind, t.type, t.summary, t.data, t.occurred_at).where(
            t.tenant_id == tenant_id, t.customer_id == customer_id
        )
        if cursor:
            key = paging.decode_time_key(cursor, ident=_timeline_id)
            stmt = stmt.where(sa.tuple_(t.occurred_at, t.id) < sa.tuple_(*key))
        stmt = stmt.order_by(t.occurred_at.desc(), t.id.desc()).limit(limit + 1)
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        entries = [TimelineEntry(*r) for r in rows[:limit]]
        next_cursor = ""
        if more and entries:
            last = entries[-1]
            next_cursor = paging.encode_time_key(last.occurred_at, last.id)
        return entries, next_cursor

    async def add_note(self, tenant_id: uuid.UUID, note: Note) -> None:
        await self._session.execute(
            customer_notes.insert().values(
                id=note.id,
                tenant_id=tenant_id,
                customer_id=note.customer_id,
                text=note.text,
                author=note.author,
                created_at=note.created_at,
            )
        )

    async def notes(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Note]:
        t = customer_notes.c
        rows = await self._session.execute(
            sa.select(t.id, t.customer_id, t.text, t.author, t.created_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.created_at.desc())
            .limit(500)
        )
        return [Note(*r) for r in rows]

    async def add_consent(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID, record: ConsentRecord
    ) -> None:
        await self._session.execute(
            customer_consents.insert().values(
                tenant_id=tenant_id,
                customer_id=customer_id,
                kind=record.kind,
                granted=record.granted,
                source=record.source,
                changed_at=record.changed_at,
            )
        )

    async def consent_history(
        self, tenant_id: uuid.UUID, customer_id: uuid.UUID
    ) -> list[ConsentRecord]:
        t = customer_consents.c
        rows = await self._session.execute(
            sa.select(t.kind, t.granted, t.source, t.changed_at)
            .where(t.tenant_id == tenant_id, t.customer_id == customer_id)
            .order_by(t.id.desc())
        )
        return [ConsentRecord(*r) for r in rows]

    async def set_relation(
        self, tenant_id: uuid.UUID, parent: uuid.UUID, child: uuid.UUID, label: str
    ) -> None:
        stmt = insert(customer_relations).values(
            tenant_id=tenant_id, parent_id=parent, child_id=child, label=label
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[customer_relations.c.parent_id, customer_relations.c.child_id],
                set_={"label": label},
            )
        )

    async def remove_relation(
        self, tenant_id: uuid.UUID, parent: uuid.UUID, child: uuid.UUID
    ) -> bool:
        t = customer_relations.c
        result = await self._session.execute(
            customer_relations.delete()
            .where(t.tenant_id == tenant_id, t.parent_id == parent, t.child_id == child)
            .returning(t.parent_id)
        )
        return result.first() is not None

    async def relations(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> list[Relation]:
        t = customer_relations.c
        rows = await self._session.execute(
            sa.select(t.parent_id, t.child_id, t.label).where(
                t.tenant_id == tenant_id,
                sa.or_(t.parent_id == customer_id, t.child_id == customer_id),
            )
        )
        out = []
        for parent, child, label in rows:
            if parent == customer_id:
                out.append(Relation(child, "child", label))
            else:
                out.append(Relation(parent, "parent", label))
        return out

    async def is_ancestor(self, tenant_id: uuid.UUID, candidate: uuid.UUID, of: uuid.UUID) -> bool:
        """True when `candidate` is `of` itself or one of its ancestors (cycle guard)."""
        t = customer_relations.c
        ancestors = (
            sa.select(t.parent_id.label("id"))
            .where(t.tenant_id == tenant_id, t.child_id == of)
            .cte("ancestors", recursive=True)
        )
        ancestors = ancestors.union(
            sa.select(t.parent_id).where(t.tenant_id == tenant_id, t.child_id == ancestors.c.id)
        )
        if candidate == of:
            return True
        found = await self._session.scalar(
            sa.select(sa.literal(1)).where(ancestors.c.id == candidate).limit(1)
        )
        return found is not None


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


class TenantSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def default_country(self, tenant_id: uuid.UUID) -> str:
        value = await self._session.scalar(
            sa.select(tenant_settings.c.default_country).where(
                tenant_settings.c.tenant_id == tenant_id
            )
        )
        return value or DEFAULT_COUNTRY

    async def thresholds(self, tenant_id: uuid.UUID) -> Thresholds:
        t = tenant_settings.c
        row = (
            await self._session.execute(
                sa.select(t.high_value_ltv_minor, t.recent_days, t.inactive_days).where(
                    t.tenant_id == tenant_id
                )
            )
        ).first()
        return Thresholds(*row) if row else Thresholds()

    async def settings(self, tenant_id: uuid.UUID) -> tuple[str, Thresholds]:
        t = tenant_settings.c
        row = (
            await self._session.execute(
                sa.select(
                    t.default_country, t.high_value_ltv_minor, t.recent_days, t.inactive_days
                ).where(t.tenant_id == tenant_id)
            )
        ).first()
        if row is None:
            return DEFAULT_COUNTRY, Thresholds()
        return row[0], Thresholds(*row[1:])

    async def set_default_country(self, tenant_id: uuid.UUID, country: str) -> None:
        await self.update(tenant_id, {"default_country": country})

    async def update(self, tenant_id: uuid.UUID, values: dict[str, Any]) -> None:
        stmt = insert(tenant_settings).values(tenant_id=tenant_id, **values)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[tenant_settings.c.tenant_id],
                set_={**values, "updated_at": sa.func.now()},
            )
        )

    async def definitions(self, tenant_id: uuid.UUID) -> dict[str, Definition]:
        t = custom_field_definitions.c
        rows = await self._session.execute(
            sa.select(t.key, t.label, t.type, t.options)
            .where(t.tenant_id == tenant_id)
            .order_by(t.key)
        )
        return {
            key: Definition(key, label, FieldType(kind), tuple(options))
            for key, label, kind, options in rows
        }

    async def upsert_definition(self, tenant_id: uuid.UUID, definition: Definition) -> None:
        values = {
            "label": definition.label,
            "type": definition.type.value,
            "options": list(definition.options),
        }
        stmt = insert(custom_field_definitions).values(
            tenant_id=tenant_id, key=definition.key, **values
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    custom_field_definitions.c.tenant_id,
                    custom_field_definitions.c.key,
                ],
                set_=values,
            )
        )


@dataclass
class FolderRow:
    id: uuid.UUID
    name: str
    position: int
    colour: str
    customer_count: int = 0


class FolderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self, tenant_id: uuid.UUID) -> list[FolderRow]:
        f = folders.c
        counts = (
            sa.select(c.folder, sa.func.count().label("n"))
            .where(
                c.tenant_id == tenant_id,
                c.folder != "",
                *visibility_conditions(current_visibility()),
            )
            .group_by(c.folder)
            .subquery()
        )
        stmt = (
            sa.select(f.id, f.name, f.position, f.colour, sa.func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.folder == sa.cast(f.id, sa.Text))
            .where(f.tenant_id == tenant_id)
            .order_by(f.position, f.name)
        )
        visibility = current_visibility()
        rows = [FolderRow(*r) for r in await self._session.execute(stmt)]
        if visibility is not None and visibility.folders is not None:
            rows = [r for r in rows if str(r.id) in visibility.folders]
        return rows

    async def get(self, tenant_id: uuid.UUID, folder_id: uuid.UUID) -> FolderRow | None:
        f = folders.c
        row = (
            await self._session.execute(
                sa.select(f.id, f.name, f.position, f.colour).where(
                    f.tenant_id == tenant_id, f.id == folder_id
                )
            )
        ).first()
        return None if row is None else FolderRow(*row)

    async def exists(self, tenant_id: uuid.UUID, folder_id: str) -> bool:
        try:
            ident = uuid.UUID(folder_id)
        except ValueError:
            return False
        return await self.get(tenant_id, ident) is not None

    async def name_taken(self, tenant_id: uuid.UUID, name: str, *, other_than=None) -> bool:  # type: ignore[no-untyped-def]
        f = folders.c
        stmt = sa.select(sa.literal(1)).where(f.tenant_id == tenant_id, f.name == name)
        if other_than is not None:
            stmt = stmt.where(f.id != other_than)
        return (await self._session.scalar(stmt)) is not None

    async def next_position(self, tenant_id: uuid.UUID) -> int:
        f = folders.c
        top = await self._session.scalar(
            sa.select(sa.func.max(f.position)).where(f.tenant_id == tenant_id)
        )
        return (top or 0) + 1

    async def add(self, tenant_id: uuid.UUID, row: FolderRow, *, colour: str) -> None:
        await self._session.execute(
            folders.insert().values(
                id=row.id, tenant_id=tenant_id, name=row.name, position=row.position, colour=colour
            )
        )

    async def update(self, tenant_id: uuid.UUID, folder_id: uuid.UUID, values: dict) -> None:
        await self._session.execute(
            folders.update()
            .where(folders.c.tenant_id == tenant_id, folders.c.id == folder_id)
            .values(**values)
        )

    async def delete(self, tenant_id: uuid.UUID, folder_id: uuid.UUID) -> list[uuid.UUID]:
        """Delete the folder; returns the customers that were in it (now in none)."""
        moved = await self._session.scalars(
            customers.update()
            .where(c.tenant_id == tenant_id, c.folder == str(folder_id))
            .values(folder="", version=c.version + 1, updated_at=sa.func.now())
            .returning(c.id)
        )
        ids = list(moved)
        await self._session.execute(
            folders.delete().where(folders.c.tenant_id == tenant_id, folders.c.id == folder_id)
        )
        return ids
