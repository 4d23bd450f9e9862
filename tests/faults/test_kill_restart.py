"""kill -9, one at a time, every process of the platform while messages, bookings, payments and
loyalty adjustments flow through the gateway; then nothing lost, nothing twice.

For each component: the time from its SIGKILL until it serves again is printed and held to
RECOVERY_BUDGET_S; the goal is GOAL_S. Serving again means: the killed process is gone, a new one
runs in its place (supervisord restarted it), and what needs it answers — a gateway call through
it and /readyz "ready", JetStream for NATS, a Celery process's start line in its log. Killing
Triton mid-inference must leave no Python-backend stub and no shared memory behind (the runner's
reaper owns the process group).

FAULT_MESSAGES: messages ingested during the run (default 2000; the issue's full run: 10000).
FAULT_TIMEOUT_S: the test's time limit, the platform's start included (default 1800).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_support import (
    Client,
    Supervisor,
    Workload,
    alive,
    children_of,
    is_reaper,
    jetstream_answers,
    kill9,
    ppid,
    processes_matching,
    set_up,
    violations,
)

MESSAGES = int(os.environ.get("FAULT_MESSAGES", "2000"))
# The whole test, the platform's start included (CI bounds it: .ci/run).
TIMEOUT_S = int(os.environ.get("FAULT_TIMEOUT_S", "1800"))
pytestmark = [pytest.mark.faults, pytest.mark.timeout(TIMEOUT_S)]

GOAL_S = 10.0
# A bound that catches a component that does not come back; the goal (GOAL_S) is reported. On
# this shared 2-core machine a restart takes 10-30 s at load average 20-30 (CPU-bound imports).
RECOVERY_BUDGET_S = float(os.environ.get("FAULT_RECOVERY_BUDGET_S", "60"))
CONVERGE_S = 240


@dataclass(frozen=True)
class Component:
    program: str  # supervisord program name
    probe: str  # what must answer again: a gateway path, or a log line of a Celery process


COMPONENTS = (
    Component("customer", "GET /api/v1/customers?limit=1"),
    Component("conversation", "GET /api/v1/conversations?limit=1"),
    Component("sentiment", "POST /api/v1/sentiment/analyze"),
    Component("billing", "GET /api/v1/bookings?limit=1"),
    Component("loyalty", "GET /api/v1/loyalty/programs"),
    Component("automation", "GET /api/v1/automations"),
    Component("gateway", "GET /api/v1/customers?limit=1"),
    Component("automation-worker", r"log:celery@\S+ ready\."),
    Component("customer-beat", "log:beat: Starting"),
    Component("nats", "nats:"),
    Component("triton", "POST /api/v1/sentiment/analyze"),
    Component("postgres", "GET /api/v1/customers?limit=1"),
)


def _http_probe(client: Client, probe: str) -> Callable[[], bool]:
    method, path = probe.split(" ", 1)
    body = {"texts": ["Is my booking still on?"]} if method == "POST" else None

    def ok() -> bool:
        r = client.once(method, path, json=body, timeout=3)
        if r is None or r.status_code != 200:
            return False
        ready = client.once("GET", "/readyz", timeout=3)
        return ready is not None and ready.json().get("status") == "ready"

    return ok


def _nats_probe(client: Client, url: str) -> Callable[[], bool]:
    def ok() -> bool:
        if not jetstream_answers(url):
            return False
        ready = client.once("GET", "/readyz", timeout=3)  # the services reconnected
        return ready is not None and ready.json().get("status") == "ready"

    return ok


def _log_probe(log: Path, pattern: str) -> Callable[[], bool]:
    seen = len(re.findall(pattern, log.read_text(errors="replace"))) if log.exists() else 0
    return lambda: len(re.findall(pattern, log.read_text(errors="replace"))) > seen


def _wait(ok: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if ok():
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _kill_and_recover(
    sup: Supervisor, program: str, target: int, ok: Callable[[], bool]
) -> float | None:
    """SIGKILL `target`; seconds until it is gone, replaced and `ok()` (None: not in budget)."""
    kill9(target)
    killed_at, gone = time.monotonic(), []

    def back() -> bool:
        if not gone and not alive(target):
            gone.append(time.monotonic() - killed_at)
        return sup.replaced(program, target) and ok()

    recovered = _wait(back, RECOVERY_BUDGET_S)
    went = f"{gone[0]:.2f}s" if gone else "-"
    back_in = "-" if recovered is None else f"{recovered:.1f}s"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n{program}: killed process gone after {went}; serving after {back_in} "
        f"(load average {load})",
        flush=True,
    )
    return recovered


def _triton_leftovers(prefix: str) -> tuple[list[int], list[str]]:
    stubs = processes_matching(prefix)
    stubs = [
        pid
        for pid in stubs
        if "triton_python_backend_stub" in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    shm = sorted(p.name for p in Path("/dev/shm").glob(f"{prefix}*"))
    return stubs, shm


def test_kill_every_component_under_load_loses_nothing_and_doubles_nothing(platform):
    sup = Supervisor(platform["var"])
    client = Client(platform["gateway_url"], platform["api_key"])
    setup = set_up(client, customers=12)
    steps = -(-MESSAGES // Workload.BATCH)
    # Spread the workload over the kill cycle (~15 s a component on this machine).
    workload = Workload(client, setup, MESSAGES, pace_s=len(COMPONENTS) * 15 / steps)
    workload.start()
    prefix = f"moodline_triton_{platform['ports']['MOODLINE_TRITON_GRPC_PORT']}_"
    report: list[tuple[str, float | None]] = []
    failures: list[str] = []
    for component in COMPONENTS:
        # Let the workload run into the restarted platform before the next kill.
        progress = workload.steps_done
        _wait(lambda p=progress: workload.steps_done > p or not workload.is_alive(), 60)
        if component.probe.startswith("log:"):
            ok = _log_probe(
                platform["var"] / "logs" / f"{component.program}.log", component.probe[4:]
            )
        elif component.probe == "nats:":
            ok = _nats_probe(client, platform["nats_url"])
        else:
            ok = _http_probe(client, component.probe)
        supervised = sup.pid(component.program)
        target = sup.server_pid(component.program)
        assert target, f"{component.program} is not running"
        before = _triton_leftovers(prefix) if component.program == "triton" else None
        if component.program == "triton":
            assert before[0], "no Python-backend stubs found before the kill: nothing to check"
            # Mid-inference: a scoring request is in flight when the server dies.
            client.once(
                "POST", "/api/v1/sentiment/analyze", json={"texts": ["x"] * 16}, timeout=0.05
            )
        recovered = _kill_and_recover(sup, component.program, target, ok)
        report.append((component.program, recovered))
        if recovered is None:
            failures.append(
                f"{component.program} not serving {RECOVERY_BUDGET_S:.0f}s after kill -9"
            )
            continue
        assert not alive(target)
        if is_reaper(supervised):
            # The old reaper cleaned up and exited; a new one owns exactly one server.
            assert not alive(supervised)
            now = sup.pid(component.program)
            assert is_reaper(now) and len(children_of(now)) == 1, children_of(now)
        if before is not None:
            stubs, shm = _triton_leftovers(prefix)
            orphans = [pid for pid in before[0] if alive(pid)]
            assert not orphans, f"Python-backend stubs left by the killed Triton: {orphans}"
            server = sup.server_pid("triton")
            assert all(ppid(pid) == server for pid in stubs), (stubs, server)
            assert len(shm) <= len(before[1]), f"shared memory left behind: {before[1]} -> {shm}"

    print("\nrecovery after kill -9 (s):")
    for name, seconds in report:
        mark = "  -" if seconds is None else f"{seconds:5.1f}"
        if seconds is not None and seconds > GOAL_S:
            mark += "  (over the 10 s goal)"
        print(f"  {name:<18} {mark}", flush=True)

    workload.join(timeout=600)
    assert workload.error is None, repr(workload.error)
    assert not workload.is_alive(), "the workload did not finish"

    problems = violations(platform, setup, workload.expected)
    deadline = time.monotonic() + CONVERGE_S
    while problems and time.monotonic() < deadline:  # consumers catching up after the faults
        time.sleep(2)
        problems = violations(platform, setup, workload.expected)

    print(
        f"\nfault suite: {MESSAGES} messages, {len(workload.expected.bookings)} bookings, "
        f"{len(workload.expected.payments)} payments, {len(workload.expected.adjustments)} "
        f"loyalty adjustments; client retries {client.retries}"
    )
    assert not failures and not problems, {"recovery": failures, "invariants": problems}
