"""Run locks: one worker executes a run at a time."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


class PgRunLocks:
    """`pg_try_advisory_lock` on a connection held for the execution: if the worker dies, the
    connection drops and PostgreSQL releases the lock at once (no lease to wait out)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @contextlib.asynccontextmanager
    async def hold(self, run_id: uuid.UUID) -> AsyncIterator[bool]:
        key = sa.func.hashtextextended(str(run_id), 0)
        async with self._engine.connect() as conn:
            held = bool(await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
            await conn.commit()
            try:
                yield held
            finally:
                if held:
                    await conn.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
                    await conn.commit()
