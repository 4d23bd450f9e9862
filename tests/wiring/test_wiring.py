"""Every service under services/ is registered everywhere it must be (see wiring.py), and every
registry names only services that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
import wiring
from moodline_kit.service import registered

ROOT = Path(__file__).resolve().parents[2]
SERVICES = wiring.services(ROOT)


def test_there_are_services() -> None:
    assert {"customer", "conversation", "sentiment"} <= set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_service_is_wired_everywhere(name: str) -> None:
    problems = wiring.problems(ROOT, name)
    assert not problems, f"{name} is not wired:\n" + "\n".join(problems)


def test_installed_services_are_the_packages() -> None:
    assert set(registered()) == set(SERVICES)


def test_registries_name_only_existing_services() -> None:
    from gateway.upstreams import UPSTREAMS
    from moodline_devkit.stack import SERVICES as LOCAL

    assert {s.name for s in LOCAL} == set(SERVICES)
    assert {u.service for u in UPSTREAMS} <= set(SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_service_definition_matches_its_package(name: str) -> None:
    service = registered()[name]
    assert service.name == name
    assert service.migrations == ROOT / "services" / name / "migrations"
    assert (service.migrations / "env.py").exists()


CELERY = [name for name in SERVICES if registered()[name].celery]


@pytest.mark.parametrize("name", CELERY)
def test_celery_app_is_built_by_its_factory_only(name: str) -> None:
    """Importing a service's Celery module builds nothing (the app and its tasks come from the
    factory the Service names, after any fork); the app it builds has the kit's outbox purge."""
    import importlib

    service = registered()[name]
    module = importlib.import_module(service.celery.partition(":")[0])
    assert "app" not in vars(module)
    app = service.celery_app()
    assert f"{name}.purge_published_outbox" in app.tasks
    assert app.conf.beat_schedule["purge-published-outbox"]["task"] == (
        f"{name}.purge_published_outbox"
    )
    assert app.conf.task_default_queue  # its own queue: workers share one broker
    assert "app" not in vars(module)
