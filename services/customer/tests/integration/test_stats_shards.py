"""Concurrent creations in one tenant don't queue on one counters row, and the stats stay exact."""

import asyncio

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
