"""Alembic per service: each service's `migrations/env.py` calls `run_env(metadata)`, and its
`migrate` command calls `upgrade(migrations_dir, database_url)`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def create_kit_tables() -> None:
    """In a service's first migration: the outbox and processed-event tables exactly as
    `moodline_kit.db.kit_tables` defines them (with their indexes), so no service copies them."""
    from alembic import op

    from moodline_kit.db import kit_tables, new_metadata

    tables = kit_tables(new_metadata())
    for table in (tables.outbox, tables.processed_events):
        table.create(op.get_bind())


def run_env(target_metadata: sa.MetaData) -> None:
    """Body of a service's migrations/env.py (online, async engine)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _run(connection: sa.Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def _online() -> None:
        engine = create_async_engine(url, poolclass=sa.pool.NullPool)
        async with engine.connect() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(_online())
