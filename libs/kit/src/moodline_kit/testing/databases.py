"""Create and drop throw-away databases on the test PostgreSQL server."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def with_database(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def create_database(server_url: str, database: str) -> str:
    engine = create_async_engine(
        with_database(server_url, "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    await engine.dispose()
    return with_database(server_url, database)


async def drop_database(server_url: str, database: str) -> None:
    engine = create_async_engine(
        with_database(server_url, "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    await engine.dispose()
