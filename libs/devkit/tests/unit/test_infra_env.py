"""The embedded servers start with their own environment: nats-server gets a Go memory limit,
under `make run`'s supervisord and under the test fixtures alike."""

from __future__ import annotations

import psutil
from moodline_devkit import infra
from moodline_devkit.run import Plan, supervisor_config
from moodline_devkit.testing.servers import ManagedServer


def test_make_runs_nats_program_has_the_go_memory_limit(tmp_path) -> None:
    nats = infra.nats(tmp_path / "js", 14222)
    p = Plan(tmp_path, "postgresql://x@127.0.0.1/postgres", "nats://x", "redis://x", 1, 2, [nats])
    section = supervisor_config(p).split("[program:nats]")[1].split("\n\n")[0]
    assert f'environment=GOMEMLIMIT="{infra.NATS_GOMEMLIMIT}"' in section.splitlines()


def test_a_managed_nats_server_runs_with_the_go_memory_limit(tmp_path) -> None:
    server = ManagedServer(infra.nats(tmp_path / "js", infra.free_port()), tmp_path / "nats.log")
    server.start()
    try:
        assert server.pid is not None
        assert psutil.Process(server.pid).environ()["GOMEMLIMIT"] == infra.NATS_GOMEMLIMIT
    finally:
        server.stop()
