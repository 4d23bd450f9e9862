"""The customer database keeps fine statistics on search_doc (migration 0007), so the planner
estimates a common search term near its true frequency and chooses its plan by it."""

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


async def test_search_doc_has_a_statistics_target_of_1000(customer_service):
    async with customer_service.container.engine.connect() as conn:
        target = await conn.scalar(
            sa.text(
                "SELECT attstattarget FROM pg_attribute"
                " WHERE attrelid = 'customers'::regclass AND attname = 'search_doc'"
            )
        )
    assert target == 1000
