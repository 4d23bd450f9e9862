"""Where an import's time goes (never part of `make test`): the import job of a generated CSV
run in this process (no gateway, no Celery), with the wall time of every repository call and of
validation summed per name, and optionally a cProfile of the whole job.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
    nice .venv/bin/python bench/import/profile_job.py --rows 50000 [--cprofile out.prof]

Creates a throw-away database (dropped at the end). The CSV is bench_import's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import inspect
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

from customer.adapters import imports_repository
from customer.adapters.imports_repository import job_lock
from customer.adapters.tables import kit
from customer.service_layer import imports
from customer.service_layer.unit_of_work import CustomerUnitOfWork
from customer.testing import migrate
from moodline_devkit.testing.databases import create_database, drop_database
from moodline_kit.db import create_engine, session_factory

sys.path.insert(0, str(Path(__file__).parent))
from bench_import import write_csv

SPENT: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(name: str, fn):  # type: ignore[no-untyped-def]
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                SPENT[name] += time.perf_counter() - started
                CALLS[name] += 1

        return run_async

    @functools.wraps(fn)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started
            CALLS[name] += 1

    return run


def instrument() -> None:
    repo = imports_repository.ImportRepository
    for name, fn in list(vars(repo).items()):
        if inspect.iscoroutinefunction(fn) and not name.startswith("_"):
            setattr(repo, name, timed(f"repo.{name}", fn))
    for name in dir(imports):
        fn = getattr(imports, name)
        if (name.startswith("_") and inspect.iscoroutinefunction(fn)) or name == "_rounds":
            setattr(imports, name, timed(f"job.{name}", fn))
    from customer.domain import imports as rules

    rules.RowValidator.validate = timed("validate", rules.RowValidator.validate)
    from moodline_kit import uow

    uow.UnitOfWork.commit = timed("uow.commit", uow.UnitOfWork.commit)
    import asyncpg

    copy = asyncpg.connection.Connection.copy_records_to_table

    async def copy_timed(self, table, **kwargs):  # type: ignore[no-untyped-def]
        return await timed(f"COPY {table}", copy)(self, table, **kwargs)

    asyncpg.connection.Connection.copy_records_to_table = copy_timed


async def main(args: argparse.Namespace) -> None:
    server = os.environ["DATABASE_URL"]
    name = f"bench_import_profile_{uuid.uuid4().hex[:8]}"
    database = await create_database(server, name)
    work = Path(tempfile.mkdtemp(prefix="bench-import-profile-"))
    try:
        await migrate(database)
        engine = create_engine(database, pool_size=2)
        uow = functools.partial(CustomerUnitOfWork, session_factory(engine), kit, source="customer")
        tenant = uuid.uuid4()
        path = work / "rows.csv"
        write_csv(path, args.rows)
        record = await imports.create_import(
            tenant_id=tenant, filename="rows.csv", default_country="US", actor="bench", uow=uow
        )
        with path.open("rb") as handle:
            seq = 0
            while data := handle.read(1024 * 1024):
                await imports.append_chunk(
                    tenant_id=tenant, import_id=str(record.id), seq=seq, data=data,
                    max_bytes=1024**3, uow=uow,
                )  # fmt: skip
                seq += 1
        await imports.finish_upload(tenant_id=tenant, import_id=str(record.id), uow=uow)
        await imports.run_import(
            tenant_id=tenant, import_id=str(record.id), mapping={}, default_country="",
            on_match="update", loyalty_program_id="", uow=uow,
        )  # fmt: skip
        instrument()
        profiler = cProfile.Profile() if args.cprofile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        status = await imports.execute_import(
            tenant_id=tenant, import_id=record.id, uow=uow, job_lock=job_lock(engine),
            batch_size=args.batch, process_from_rows=args.process_from_rows,
        )  # fmt: skip
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{args.rows:,} rows: {status} in {wall:.2f} s = {args.rows / wall:,.0f} rows/s; "
            f"process CPU {cpu:.2f} s ({cpu / args.rows * 1e6:.0f} µs/row)"
        )
        for key, spent in sorted(SPENT.items(), key=lambda kv: -kv[1]):
            print(f"  {key:32} {spent:8.2f} s  {CALLS[key]:6} calls")
        if profiler:
            pstats.Stats(args.cprofile).sort_stats("tottime").print_stats(25)
        await engine.dispose()
    finally:
        await drop_database(server, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--cprofile", default="")
    parser.add_argument("--process-from-rows", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
