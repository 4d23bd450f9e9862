"""Build and run a grpc.aio server: health (honest readiness), interceptors, background tasks
(outbox relay, consumers), graceful SIGTERM shutdown; reflection only when enabled
(GRPC_REFLECTION=true, for development)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from moodline_kit.auth import AuthSettings
from moodline_kit.grpc.interceptors import ContextInterceptor
from moodline_kit.heap import freeze_startup_heap
from moodline_kit.metrics import serve_metrics

log = logging.getLogger(__name__)

# Kubernetes liveness probes ask for this service name: SERVING while the process runs.
LIVENESS_SERVICE = "liveness"

# Upper bound for each shutdown step after the gRPC server stopped (jobs, pools, NATS drain).
SHUTDOWN_STEP_TIMEOUT = 5.0

ReadinessCheck = Callable[[], Awaitable[None]]  # raises when not ready


@dataclass
class ServiceRegistration:
    """A servicer and the generated `add_XServicer_to_server` function + full service name."""

    add_to_server: Callable[[object, grpc.aio.Server], None]
    servicer: object
    full_name: str


@dataclass
class GrpcApp:
    name: str
    port: int
    services: Sequence[ServiceRegistration]
    readiness_checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    background: Sequence[Callable[[], Awaitable[None]]] = ()
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = ()
    readiness_interval: float = 2.0
    shutdown_grace: float = 10.0
    metrics_port: int = 0
    host: str = "0.0.0.0"
    reflection: bool = False
    # Full names of RPCs called without tenant metadata (see ContextInterceptor).
    tenantless_methods: frozenset[str] = frozenset()


def build_server(app: GrpcApp) -> tuple[grpc.aio.Server, health.aio.HealthServicer, int]:
    server = grpc.aio.server(
        interceptors=[ContextInterceptor(AuthSettings().verifier(), app.tenantless_methods)]
    )
    for reg in app.services:
        reg.add_to_server(reg.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if app.reflection:
        names: Iterable[str] = (
            *(r.full_name for r in app.services),
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        )
        reflection.enable_server_reflection(tuple(names), server)
    host = f"[{app.host}]" if ":" in app.host else app.host
    port = server.add_insecure_port(f"{host}:{app.port}")
    return server, health_servicer, port


async def _set_all(servicer: health.aio.HealthServicer, app: GrpcApp, status: int) -> None:
    await servicer.set("", status)
    for reg in app.services:
        await servicer.set(reg.full_name, status)


async def _readiness_loop(servicer: health.aio.HealthServicer, app: GrpcApp) -> None:
    serving = health_pb2.HealthCheckResponse.SERVING
    not_serving = health_pb2.HealthCheckResponse.NOT_SERVING
    last: int | None = None
    while True:
        failures = []
        for name, check in app.readiness_checks.items():
            try:
                await asyncio.wait_for(check(), timeout=max(1.0, app.readiness_interval))
            except Exception as exc:
                failures.append(f"{name}: {exc!r}")
        status = not_serving if failures else serving
        if status != last:
            if failures:
                log.warning("not ready", extra={"failures": failures})
            else:
                log.info("ready")
            await _set_all(servicer, app, status)
            last = status
        await asyncio.sleep(app.readiness_interval)


async def run(
    app: GrpcApp, *, stop: asyncio.Event | None = None, freeze_heap: bool = False
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set), then shut down gracefully.

    `freeze_heap` (a service process, not in-process test servers): once the server is
    built, `moodline_kit.heap.freeze_startup_heap()`."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    serve_metrics(app.metrics_port)
    server, health_servicer, port = build_server(app)
    if freeze_heap:
        freeze_startup_heap()
    await health_servicer.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    await _set_all(health_servicer, app, health_pb2.HealthCheckResponse.NOT_SERVING)
    await server.start()
    log.info("gRPC server started", extra={"service": app.name, "port": port})
    tasks = [asyncio.create_task(_readiness_loop(health_servicer, app), name="readiness")]
    tasks += [
        asyncio.create_task(_supervised(job), name=job.__qualname__) for job in app.background
    ]
    await stop.wait()
    log.info("shutting down", extra={"grace_s": app.shutdown_grace})
    # Stop taking traffic first, finish in-flight RPCs, then stop the background work.
    await health_servicer.enter_graceful_shutdown()
    await server.stop(app.shutdown_grace)
    for task in tasks:
        task.cancel()
    await asyncio.wait(tasks, timeout=SHUTDOWN_STEP_TIMEOUT)
    for hook in app.on_shutdown:
        try:
            await asyncio.wait_for(hook(), SHUTDOWN_STEP_TIMEOUT)
        except Exception:
            log.warning("shutdown hook failed or timed out", extra={"hook": hook.__qualname__})
    log.info("stopped")


async def _supervised(job: Callable[[], Awaitable[None]]) -> None:
    """Run a background job forever, restarting it with backoff if it crashes."""
    delay = 0.5
    while True:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background job crashed; restarting", extra={"job": job.__qualname__})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
