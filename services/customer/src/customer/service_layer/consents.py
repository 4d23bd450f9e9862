"""Consent: record a grant or withdrawal (on the profile and in the history), read the history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from moodline.events.v1 import subjects
from moodline_kit.errors import (
    InvalidArgument,
    NotFound,
)

from customer.adapters import events
from customer.domain.model import Customer
from customer.domain.profile import CONSENT_KINDS
from customer.domain.records import ConsentRecord
from customer.service_layer.handlers import UowFactory, parse_customer_id
from customer.service_layer.profile import customer_event, load_for_update, store


async def record_consent(
    *,
    tenant_id: uuid.UUID,
    customer_id: str,
    kind: str,
    granted: bool,
    source: str,
    uow: UowFactory,
) -> Customer:
    kind = kind.strip().lower()
    if kind not in CONSENT_KINDS:
        raise InvalidArgument.of("kind", f"must be one of: {', '.join(CONSENT_KINDS)}")
    if len(source) > 200:
        raise InvalidArgument.of("source", "must be at most 200 characters")
    now = datetime.now(UTC)
    async with uow() as work:
        customer = await load_for_update(work, tenant_id, customer_id, full=True)
        customer.consents[kind] = {"granted": granted, "source": source, "at": now.isoformat()}
        await work.customers.add_consent(
            tenant_id, customer.id, ConsentRecord(kind, granted, source, now)
        )
        await store(work, customer, expected_version=None)
        verb = "opted in to" if granted else "opted out of"
        await work.customers.add_timeline(
            tenant_id,
            customer.id,
            kind="consent",
            type=subjects.CUSTOMER_CONSENT_CHANGED,
            summary=f"{verb} {kind.replace('_', ' ')}" + (f" ({source})" if source else ""),
            data={"kind": kind, "granted": granted, "source": source},
            occurred_at=now,
        )
        work.emit(
            customer_event(
                customer,
                subjects.CUSTOMER_CONSENT_CHANGED,
                events.consent_changed(customer, kind),
            )
        )
        await work.commit()
    return customer


async def consent_history(
    *, tenant_id: uuid.UUID, customer_id: str, uow: UowFactory
) -> list[ConsentRecord]:
    async with uow() as work:
        if not await work.customers.exists(tenant_id, parse_customer_id(customer_id)):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.consent_history(tenant_id, parse_customer_id(customer_id))
