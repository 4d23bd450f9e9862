"""The customer list (search, segments, sorts, custom field filters), the counters and the
timeline."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from moodline_kit.errors import (
    InvalidArgument,
    NotFound,
)
from moodline_kit.ids import as_uuid

from customer.domain.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    ListQuery,
    Segment,
    Thresholds,
)
from customer.domain.records import Page, Stats, TimelineEntry
from customer.service_layer.custom_fields import custom_field_filter
from customer.service_layer.handlers import UowFactory, parse_customer_id

log = logging.getLogger(__name__)
# Searches conversation content: (tenant, query) -> customer ids; may raise (then skipped).
MessageSearch = Callable[[uuid.UUID, str], Awaitable[list[str]]]


THRESHOLD_SEGMENTS = (Segment.HIGH_VALUE, Segment.RECENT, Segment.INACTIVE)


async def list_customers(
    *,
    tenant_id: uuid.UUID,
    query: ListQuery,
    custom_field_values: dict[str, str],
    page_size: int,
    page_token: str,
    uow: UowFactory,
    message_search: MessageSearch | None = None,
) -> Page:
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument.of("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    if len(query.text) > MAX_QUERY_LENGTH:
        raise InvalidArgument.of("query", f"must be at most {MAX_QUERY_LENGTH} characters")
    if query.text and message_search is not None:
        try:
            ids = await message_search(tenant_id, query.text)
            valid = tuple(i for i in ids if as_uuid(i) is not None)
            query = replace(query, extra_ids=valid)
        except Exception as exc:  # degrade: profile fields are still searched
            log.warning("conversation search unavailable; skipped", extra={"error": repr(exc)})
    async with uow() as work:
        # Only three segments depend on the tenant's thresholds: skip that round trip otherwise.
        thresholds = (
            await work.tenants.thresholds(tenant_id)
            if query.segment in THRESHOLD_SEGMENTS
            else Thresholds()
        )
        if custom_field_values:
            definitions = await work.tenants.definitions(tenant_id)
            query = replace(
                query, custom_fields=custom_field_filter(custom_field_values, definitions)
            )
        return await work.customers.list(
            tenant_id,
            query,
            thresholds=thresholds,
            limit=page_size or DEFAULT_PAGE_SIZE,
            cursor=page_token,
        )


async def stats(*, tenant_id: uuid.UUID, uow: UowFactory) -> Stats:
    async with uow() as work:
        return await work.customers.stats(tenant_id)


async def timeline(
    *, tenant_id: uuid.UUID, customer_id: str, page_size: int, page_token: str, uow: UowFactory
) -> tuple[list[TimelineEntry], str]:
    if page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument.of("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    ident = parse_customer_id(customer_id)
    async with uow() as work:
        if not await work.customers.exists(tenant_id, ident):
            raise NotFound(f"customer {customer_id} not found")
        return await work.customers.timeline(
            tenant_id, ident, limit=page_size or DEFAULT_PAGE_SIZE, cursor=page_token
        )
