"""Typed settings. One settings class per process, read from the environment in bootstrap."""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KitSettings(BaseSettings):
    """Settings every Moodline process understands (environment variables, case-insensitive)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = Field(default="moodline", validation_alias="OTEL_SERVICE_NAME")
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    nats_url: str = "nats://127.0.0.1:4222"
    redis_url: str = "redis://127.0.0.1:6379/0"
    log_level: str = "INFO"
    # OTLP/gRPC collector endpoint; traces are exported there when set.
    otel_exporter_otlp_endpoint: str | None = None
    # JSON-lines file to which finished spans are appended (local runs and e2e tests).
    moodline_trace_file: str | None = None
    # Prometheus metrics port; 0 disables the metrics endpoint.
    metrics_port: int = 0
    db_pool_size: int = 10

    def __init_subclass__(cls, *, service: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)  # `service` is applied once pydantic built the class

    @classmethod
    def __pydantic_init_subclass__(cls, *, service: str = "", **kwargs: Any) -> None:
        """`class CustomerSettings(GrpcServiceSettings, service="customer")`: by default the
        process is named after its service (OTEL_SERVICE_NAME) and uses its local database,
        moodline_<service>; the environment overrides both, as any setting."""
        super().__pydantic_init_subclass__(**kwargs)
        if not service:
            return
        defaults = {"service_name": service, "database_url": local_database(service)}
        for name, default in defaults.items():
            field = copy.copy(cls.__pydantic_fields__[name])  # the parent's stays as it is
            field.default = default
            cls.__pydantic_fields__[name] = field
        cls.model_rebuild(force=True)


def local_database(service: str) -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/moodline_{service}"


class GrpcServiceSettings(KitSettings):
    """Settings of a gRPC service process."""

    grpc_port: int = 50051
    # Interface the gRPC server listens on: every one in a pod (the NetworkPolicy admits only
    # the gateway and peer services); `make run` sets 127.0.0.1.
    grpc_host: str = "0.0.0.0"
    # Server reflection lists every method to whoever connects: development only.
    grpc_reflection: bool = False
    # Seconds given to in-flight RPCs after SIGTERM before they are cancelled.
    shutdown_grace: float = 10.0
    # Seconds between readiness checks of the database and NATS.
    readiness_interval: float = 2.0
    # Where a durable consumer starts when it is first created: "all" (the stream's history)
    # or "new"; the chart declares the production consumers, so this matters locally and in tests.
    consumer_start: Literal["all", "new"] = "all"
    # Appended to every durable consumer name (tests: private consumers on a shared NATS).
    consumer_suffix: str = ""
