"""All customer queries live here. Every query is scoped by tenant_id."""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from moodline_kit.errors import InvalidArgument
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from customer.adapters.tables import customer_emails, customer_phones, customers, tenant_settings
from customer.domain import contacts
from customer.domain.model import Customer, Email, LifecycleStage, Phone

DEFAULT_COUNTRY = "US"


@dataclass(frozen=True)
class Page:
    customers: list[Customer]
    next_cursor: str


def encode_cursor(created_at: datetime, customer_id: uuid.UUID) -> str:
    raw = f"{created_at.isoformat()}|{customer_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, ident = raw.split("|", 1)
        return datetime.fromisoformat(created), uuid.UUID(ident)
    except Exception as exc:
        raise InvalidArgument.of("page_token", "malformed cursor") from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, customer: Customer) -> None:
        await self._session.execute(
            customers.insert().values(
                id=customer.id,
                tenant_id=customer.tenant_id,
                first_name=customer.first_name,
                last_name=customer.last_name,
                company=customer.company,
                lifecycle_stage=customer.lifecycle_stage.value,
                search_doc=customer.search_document,
                version=customer.version,
                created_at=customer.created_at,
                updated_at=customer.updated_at,
            )
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
                sa.select(customers)
                .where(customers.c.tenant_id == tenant_id, customers.c.id.in_(owners))
                .order_by(customers.c.created_at, customers.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return (await self._hydrate(tenant_id, [row]))[0]

    async def get(self, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> Customer | None:
        row = (
            await self._session.execute(
                sa.select(customers).where(
                    customers.c.tenant_id == tenant_id, customers.c.id == customer_id
                )
            )
        ).first()
        if row is None:
            return None
        return (await self._hydrate(tenant_id, [row]))[0]

    async def list(self, tenant_id: uuid.UUID, *, query: str, limit: int, cursor: str) -> Page:
        stmt = sa.select(customers).where(customers.c.tenant_id == tenant_id)
        text = query.strip().lower()
        if text:
            patterns = [f"%{_escape_like(text)}%"]
            if contacts.looks_like_phone(text):
                digit_query = contacts.digits(text)
                patterns.append(f"%{digit_query}%")
                if digit_query.lstrip("0") and digit_query.lstrip("0") != digit_query:
                    patterns.append(f"%{digit_query.lstrip('0')}%")
            stmt = stmt.where(sa.or_(*(customers.c.search_doc.like(p) for p in patterns)))
        if cursor:
            created, ident = decode_cursor(cursor)
            stmt = stmt.where(
                sa.tuple_(customers.c.created_at, customers.c.id) < sa.tuple_(created, ident)
            )
        stmt = stmt.order_by(customers.c.created_at.desc(), customers.c.id.desc()).limit(limit + 1)
        rows = (await self._session.execute(stmt)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        items = await self._hydrate(tenant_id, rows)
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else ""
        return Page(items, next_cursor)

    async def _hydrate(self, tenant_id: uuid.UUID, rows: list) -> list[Customer]:
        ids = [r.id for r in rows]
        if not ids:
            return []
        phones: dict[uuid.UUID, list[Phone]] = defaultdict(list)
        emails: dict[uuid.UUID, list[Email]] = defaultdict(list)
        for p in await self._session.execute(
            sa.select(customer_phones)
            .where(customer_phones.c.tenant_id == tenant_id, customer_phones.c.customer_id.in_(ids))
            .order_by(customer_phones.c.position)
        ):
            phones[p.customer_id].append(Phone(p.e164, p.is_primary))
        for e in await self._session.execute(
            sa.select(customer_emails)
            .where(customer_emails.c.tenant_id == tenant_id, customer_emails.c.customer_id.in_(ids))
            .order_by(customer_emails.c.position)
        ):
            emails[e.customer_id].append(Email(e.address, e.is_primary))
        return [
            Customer(
                id=r.id,
                tenant_id=r.tenant_id,
                first_name=r.first_name,
                last_name=r.last_name,
                company=r.company,
                phones=phones[r.id],
                emails=emails[r.id],
                lifecycle_stage=LifecycleStage(r.lifecycle_stage),
                created_at=r.created_at,
                updated_at=r.updated_at,
                version=r.version,
            )
            for r in rows
        ]


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

    async def set_default_country(self, tenant_id: uuid.UUID, country: str) -> None:
        stmt = insert(tenant_settings).values(tenant_id=tenant_id, default_country=country)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[tenant_settings.c.tenant_id],
                set_={"default_country": country, "updated_at": sa.func.now()},
            )
        )
