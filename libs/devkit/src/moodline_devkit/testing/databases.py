"""Create and drop throw-away databases on the test PostgreSQL server."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def with_database(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def _on_server(server_url: str, statement: str) -> None:
    """Run a statement that can't run in a transaction (CREATE/DROP DATABASE)."""
    engine = create_async_engine(
        with_database(server_url, "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


async def create_database(server_url: str, database: str) -> str:
    await _on_server(server_url, f'CREATE DATABASE "{database}"')
    return with_database(server_url, database)


async def drop_database(server_url: str, database: str) -> None:
    await _on_server(server_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
