"""Concurrent creations in one tenant don't queue on one counters row, and the stats stay exact."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from moodline.customer.v1 import customer_pb2 as pb

pytestmark = pytest.mark.integration


async def test_concurrent_creations_spread_over_shards_and_stats_add_up(customer_service, tenant):
    stub = customer_service.stub
    await asyncio.gather(
        *(
            stub.CreateCustomer(pb.CreateCustomerRequest(first_name=f"C{i}"), metadata=tenant)
            for i in range(40)
        )
    )
    stats = await stub.GetCustomerStats(pb.GetCustomerStatsRequest(), metadata=tenant)
    assert stats.total == 40
    async with customer_service.container.engine.connect() as conn:
        shards = await conn.scalar(
            sa.text("SELECT count(*) FROM customer_stats WHERE tenant_id = :t"),
            {"t": tenant[0][1]},
        )
    assert 8 <= shards <= 16  # 40 customers hash onto many of the 16 shards


async def test_bulk_inserts_and_deletes_are_counted_once_per_statement(customer_service, tenant):
    """COPY (an import) and multi-row DELETE fire the statement triggers (0011): the shards add
    up to what the table holds."""
    tenant_id = tenant[0][1]
    ids = [uuid.uuid4() for _ in range(120)]
    now = datetime.now(UTC)
    async with customer_service.container.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        await raw.copy_records_to_table(
            "customers",
            records=[
                (ident, uuid.UUID(tenant_id), f"Bulk{n}", now, now, now, n % 3 == 0,
                 ("happy", "frustrated", "")[n % 3], 100 * n)
                for n, ident in enumerate(ids)
            ],
            columns=("id", "tenant_id", "first_name", "created_at", "updated_at",
                     "last_activity_at", "is_vip", "sentiment_label", "ltv_minor"),
        )  # fmt: skip
        await conn.execute(sa.text("DELETE FROM customers WHERE id = ANY(:ids)"), {"ids": ids[:45]})
        await conn.commit()
        counted = (
            await conn.execute(
                sa.text(
                    "SELECT sum(total), sum(vip), sum(happy), sum(problem), sum(total_ltv_minor) "
                    "FROM customer_stats WHERE tenant_id = :t"
                ),
                {"t": tenant_id},
            )
        ).one()
        actual = (
            await conn.execute(
                sa.text(
                    "SELECT count(*), count(*) FILTER (WHERE is_vip), "
                    "count(*) FILTER (WHERE sentiment_label = 'happy'), "
                    "count(*) FILTER (WHERE sentiment_label = 'frustrated'), sum(ltv_minor) "
                    "FROM customers WHERE tenant_id = :t"
                ),
                {"t": tenant_id},
            )
        ).one()
    assert tuple(counted) == tuple(actual)
    assert actual[0] == 75
