"""A service as the kit sees it: its name, settings, composition root and migrations. The CLI,
the container image, the local stack and the test harness are built from this one value."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moodline_kit.config import GrpcServiceSettings
from moodline_kit.consumer import Consumes
from moodline_kit.grpc.server import GrpcApp


@dataclass(frozen=True)
class Service:
    name: str  # also the console script (moodline-<name>), stream (<NAME>) and database suffix
    settings: type[GrpcServiceSettings]
    build: Callable[[Any], Awaitable[Any]]  # settings -> Container (a bootstrap.Runtime)
    grpc_app: Callable[[Any], GrpcApp]  # Container -> GrpcApp
    migrations: Path  # the Alembic folder
    # "module:function" building the Celery app from the settings (worker and beat); None: none.
    celery: str | None = None
    # The durable consumers it reads events with (the chart declares the same).
    consumes: tuple[Consumes, ...] = ()

    def celery_app(self, settings: GrpcServiceSettings | None = None) -> Any:
        if self.celery is None:
            raise LookupError(f"the {self.name} service has no Celery app")
        module, _, function = self.celery.partition(":")
        return getattr(importlib.import_module(module), function)(settings or self.settings())


def migrations_of(package_file: str) -> Path:
    """`services/<name>/migrations` from `services/<name>/src/<name>/<module>.py`."""
    return Path(package_file).resolve().parents[2] / "migrations"


# Each service package registers `<name> = "<name>.bootstrap:SERVICE"` in this group.
ENTRY_POINTS = "moodline.services"


def registered() -> dict[str, Service]:
    """Every installed service, by name (the `moodline.services` entry points)."""
    from importlib.metadata import entry_points

    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINTS)}


def lookup(name: str) -> Service:
    from importlib.metadata import entry_points

    found = list(entry_points(group=ENTRY_POINTS, name=name))
    if not found:
        raise LookupError(f"no service {name!r} is installed (entry point group {ENTRY_POINTS})")
    return found[0].load()
