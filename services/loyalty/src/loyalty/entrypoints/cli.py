"""`moodline-loyalty serve | migrate`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from moodline_kit import migrations
from moodline_kit.grpc import server

from loyalty import bootstrap
from loyalty.config import LoyaltySettings

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


async def _serve(settings: LoyaltySettings) -> None:
    container = await bootstrap.build(settings)
    await server.run(bootstrap.grpc_app(container), freeze_heap=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="moodline-loyalty")
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    settings = LoyaltySettings()
    bootstrap.configure_process(settings)
    if args.command == "migrate":
        migrations.upgrade(MIGRATIONS, settings.database_url)
    else:
        asyncio.run(_serve(settings))


if __name__ == "__main__":
    main()
