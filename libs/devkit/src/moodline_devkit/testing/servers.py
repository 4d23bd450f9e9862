"""Where the test infrastructure comes from: the *_URL environment variables when set, else
testcontainers when a Docker engine answers, else embedded servers from pip wheels."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from moodline_devkit import infra


@dataclass(frozen=True)
class InfraUrls:
    database_url: str  # server-level URL (postgresql+asyncpg://...); tests create databases
    nats_url: str
    redis_url: str


class ManagedServer:
    """A foreground server process the tests can stop and start again (same port, same data)."""

    def __init__(self, command: infra.ServerCommand, log_path: Path) -> None:
        self.command = command
        self._log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.command.port

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def start(self, timeout: float = 60.0) -> None:
        log = open(self._log_path, "ab")
        self._proc = subprocess.Popen(
            self.command.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=self.command.user,
            env=self.command.environ(),
        )
        infra.wait_for_port(self.port, timeout=timeout)

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._proc = None


def _docker_answers() -> bool:
    if not shutil.which("docker") and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _containers() -> Iterator[InfraUrls]:
    from testcontainers.core.container import DockerContainer  # type: ignore[import-untyped]
    from testcontainers.postgres import PostgresContainer  # type: ignore[import-untyped]
    from testcontainers.redis import RedisContainer  # type: ignore[import-untyped]

    with (
        PostgresContainer("postgres:18", driver="asyncpg") as pg,
        RedisContainer("redis:7") as rd,
        DockerContainer("nats:2.12").with_command("-js").with_exposed_ports(4222) as nt,
    ):
        yield InfraUrls(
            database_url=pg.get_connection_url(),
            nats_url=f"nats://{nt.get_container_host_ip()}:{nt.get_exposed_port(4222)}",
            redis_url=f"redis://{rd.get_container_host_ip()}:{rd.get_exposed_port(6379)}/0",
        )


@contextlib.contextmanager
def _embedded(root: Path) -> Iterator[InfraUrls]:
    servers = [
        ManagedServer(infra.postgres(root / "pg", infra.free_port()), root / "pg.log"),
        ManagedServer(infra.nats(root / "nats", infra.free_port()), root / "nats.log"),
        ManagedServer(infra.redis(root / "redis", infra.free_port()), root / "redis.log"),
    ]
    try:
        for server in servers:
            server.start()
        pg, nt, rd = servers
        yield InfraUrls(
            database_url=infra.postgres_url(pg.port),
            nats_url=f"nats://127.0.0.1:{nt.port}",
            redis_url=f"redis://127.0.0.1:{rd.port}/0",
        )
    finally:
        for server in reversed(servers):
            server.stop()


@contextlib.contextmanager
def provide_infra() -> Iterator[InfraUrls]:
    env = {k: os.environ.get(k) for k in ("DATABASE_URL", "NATS_URL", "REDIS_URL")}
    if all(env.values()):
        yield InfraUrls(env["DATABASE_URL"], env["NATS_URL"], env["REDIS_URL"])  # type: ignore[arg-type]
    elif _docker_answers():
        with _containers() as urls:
            yield urls
    else:
        root = Path(tempfile.mkdtemp(prefix="moodline-infra-"))
        os.chmod(root, 0o755)
        try:
            with _embedded(root) as urls:
                yield urls
        finally:
            shutil.rmtree(root, ignore_errors=True)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
