"""The reaper owns what its program starts: a SIGKILLed server leaves no child and no shared
memory behind, and the reaper exits so its supervisor restarts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs /dev/shm (Linux)")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_server_leaves_no_children_and_no_shared_memory(tmp_path):
    prefix = f"reaper_test_{uuid.uuid4().hex[:8]}_"
    pids = tmp_path / "pids"
    # A "server" that starts two workers in their own sessions (as if they escaped its group)
    # and one in its group, writes their pids and its shared memory, then waits.
    server = (
        f"echo x > /dev/shm/{prefix}1; echo x > /dev/shm/{prefix}2; "
        f"setsid sleep 300 & echo $! >> {pids}; setsid sleep 300 & echo $! >> {pids}; "
        f"sleep 300 & echo $! >> {pids}; wait"
    )
    reaper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moodline_devkit.reaper",
            "--shm",
            prefix,
            "--",
            "bash",
            "-c",
            server,
        ],
        start_new_session=True,
    )
    try:
        _wait(lambda: pids.exists() and len(pids.read_text().split()) == 3)
        workers = [int(p) for p in pids.read_text().split()]
        [main] = _children(reaper.pid)
        os.kill(main, signal.SIGKILL)
        assert reaper.wait(15) == 128 + signal.SIGKILL
        assert not [pid for pid in workers if _alive(pid)]
        assert not list(Path("/dev/shm").glob(f"{prefix}*"))
    finally:
        if reaper.poll() is None:
            os.killpg(reaper.pid, signal.SIGKILL)
        for path in Path("/dev/shm").glob(f"{prefix}*"):
            path.unlink()


def test_stop_signals_reach_the_program_and_its_status_is_the_reapers(tmp_path):
    reaper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moodline_devkit.reaper",
            "--",
            "bash",
            "-c",
            "trap 'exit 7' TERM; sleep 300 & wait",
        ],
        start_new_session=True,
    )
    _wait(lambda: len(_children(reaper.pid)) == 1 and len(_children(_children(reaper.pid)[0])) == 1)
    reaper.send_signal(signal.SIGTERM)
    assert reaper.wait(15) == 7
