import pytest
import sqlalchemy as sa
from moodline_kit.db import retry_if_disconnected


def dbapi_error(*, invalidated: bool) -> sa.exc.DBAPIError:
    return sa.exc.DBAPIError(
        "SELECT 1", None, Exception("boom"), connection_invalidated=invalidated
    )


async def test_a_read_that_met_a_dead_connection_runs_once_more():
    calls = []

    async def read():
        calls.append(1)
        if len(calls) == 1:
            raise dbapi_error(invalidated=True)
        return "rows"

    assert await retry_if_disconnected(read) == "rows"
    assert len(calls) == 2


async def test_other_database_errors_and_a_second_disconnect_are_raised():
    calls = []

    async def failing():
        calls.append(1)
        raise dbapi_error(invalidated=False)

    with pytest.raises(sa.exc.DBAPIError):
        await retry_if_disconnected(failing)
    assert len(calls) == 1

    async def always_dead():
        raise dbapi_error(invalidated=True)

    with pytest.raises(sa.exc.DBAPIError):
        await retry_if_disconnected(always_dead)
