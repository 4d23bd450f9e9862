"""`service=` on a settings class: the process's name and local database by default, the
environment still first, and the parent class left as it was."""

from __future__ import annotations

import pytest
from moodline_kit.config import GrpcServiceSettings, KitSettings


class HelloSettings(GrpcServiceSettings, service="hello"):
    greeting: str = "hi"


def test_a_service_is_named_and_finds_its_database_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    hello = HelloSettings()
    assert hello.service_name == "hello"
    assert hello.database_url.endswith("/moodline_hello")
    assert GrpcServiceSettings().service_name == "moodline"
    assert KitSettings().database_url.endswith("/postgres")


def test_the_environment_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "hello-worker")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db:5432/elsewhere")
    hello = HelloSettings()
    assert (hello.service_name, hello.database_url) == (
        "hello-worker",
        "postgresql+asyncpg://db:5432/elsewhere",
    )
