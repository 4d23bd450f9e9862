"""The whole platform as `make run` starts it — with its OWN embedded PostgreSQL, NATS and Redis
(never the machine's shared servers: the suite kills them) — in a temporary var/ on free ports.

FAULT_MESSAGES (default 2000; the issue's full run is 10000) sets how many messages the
workload ingests while components are killed; FAULT_KEEP_LOGS=1 keeps var/ (logs) after a
passing run too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from moodline_devkit.infra import platform_ports, stop_platform

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # fault_support, under importlib mode
STARTUP_BUDGET_S = 900  # a loaded, shared 2-core machine takes minutes
SHARED_INFRA = ("DATABASE_URL", "NATS_URL", "REDIS_URL")


@pytest.fixture(scope="module")
def platform(request):
    # Not under pytest's basetemp: other pytest sessions on a shared machine rotate
    # /tmp/pytest-of-<user>/ and would delete PostgreSQL's data directory under it mid-run.
    var = Path(tempfile.mkdtemp(prefix="moodline-faults-"))
    os.chmod(var, 0o755)
    env = {k: v for k, v in os.environ.items() if k not in SHARED_INFRA}
    ports = platform_ports()
    env |= ports | {
        "MOODLINE_VAR": str(var),
        "MOODLINE_DB_PREFIX": f"faults_{uuid.uuid4().hex[:8]}",
        "MOODLINE_READY_TIMEOUT": str(STARTUP_BUDGET_S),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(var / "launcher.log", "wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moodline_devkit.run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    run_json = var / "run.json"
    try:
        while not run_json.exists():
            assert proc.poll() is None, (var / "launcher.log").read_text()[-4000:]
            assert time.monotonic() - started < STARTUP_BUDGET_S, "platform not up in time"
            time.sleep(0.5)
        time.sleep(0.2)
        info = json.loads(run_json.read_text())
        yield {
            **info,
            "var": var,
            "ports": {k: int(v) for k, v in ports.items()},
            "db_prefix": env["MOODLINE_DB_PREFIX"],
            "startup_s": time.monotonic() - started,
        }
    finally:
        stop_platform(proc)
        log.close()
        if request.session.testsfailed or os.environ.get("FAULT_KEEP_LOGS"):
            print(f"\nfault suite: logs kept in {var / 'logs'}")
        else:
            shutil.rmtree(var, ignore_errors=True)
