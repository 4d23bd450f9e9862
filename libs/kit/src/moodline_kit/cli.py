"""`moodline-<service> serve | migrate | worker | beat`: one CLI for every service.

serve    the gRPC server (+ outbox relay and consumers) until SIGTERM
migrate  Alembic upgrade to head of the service's database
worker   the service's Celery worker (arguments after it go to Celery)
beat     the service's Celery beat (arguments after it go to Celery)
"""

from __future__ import annotations

import argparse

import uvloop

from moodline_kit import bootstrap
from moodline_kit.grpc import server
from moodline_kit.service import Service


async def serve(service: Service, settings: object) -> None:
    container = await service.build(settings)
    await server.run(service.grpc_app(container), freeze_heap=True)


def main(service: Service, argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=f"moodline-{service.name}",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["serve", "migrate", "worker", "beat"])
    args, rest = parser.parse_known_args(argv)
    if rest and args.command in {"serve", "migrate"}:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    settings = service.settings()
    bootstrap.configure_process(settings)
    if args.command == "migrate":
        # Alembic (and Mako) only here: every `serve`, worker and beat start skips importing it.
        from moodline_kit import migrations

        migrations.upgrade(service.migrations, settings.database_url)
    elif args.command == "serve":
        uvloop.run(serve(service, settings))
    else:
        service.celery_app(settings).start([args.command, *rest])


def run() -> None:
    """The `moodline-<service>` console script of every service: the service is the one its
    package registers under the script's name."""
    import sys
    from pathlib import Path

    from moodline_kit.service import lookup

    main(lookup(Path(sys.argv[0]).name.removeprefix("moodline-")))
