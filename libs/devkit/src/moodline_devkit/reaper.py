"""Run one program and own everything it starts: `python -m moodline_devkit.reaper
[--shm PREFIX]... -- ARGV...`.

supervisord restarts a program whose process died, but only kills its process group when it
stops the program itself. A server killed with SIGKILL (tritonserver, the PostgreSQL postmaster)
leaves its children behind — Triton's Python-backend stubs (~175 MB each) and their shared
memory in /dev/shm, PostgreSQL backends that still hold the old shared memory segment and make
the restarted postmaster refuse to start. This wrapper is the supervised process instead:

- it marks itself a child subreaper (prctl), so whatever the program leaves is reparented here;
- it forwards the stop signals supervisord sends (TERM, INT, QUIT, HUP) to the program;
- when the program exits, for whatever reason, it SIGKILLs every process left in its process
  group or below it, reaps them, removes the /dev/shm files whose names start with a --shm
  prefix, and exits with the program's status (supervisord then restarts it);
- the program gets SIGKILL when the wrapper itself dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)
SHM = Path("/dev/shm")


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def _preexec(user: str | None) -> Callable[[], None]:
    """In the child: die with the reaper, then drop to `user` (the reaper stays root: it must
    be able to kill what the program leaves, and to exec this interpreter)."""

    def run() -> None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if user:
            entry = pwd.getpwnam(user)
            os.setgid(entry.pw_gid)
            os.initgroups(user, entry.pw_gid)
            os.setuid(entry.pw_uid)

    return run


def _user_env(user: str | None) -> dict[str, str] | None:
    if not user:
        return None
    entry = pwd.getpwnam(user)
    return {**os.environ, "HOME": entry.pw_dir, "USER": user, "LOGNAME": user}


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, pgrp) of a live process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[1]), int(fields[2])


def leftovers(me: int, group: int) -> list[int]:
    """Processes in `group` or descending from `me` (orphans are reparented to a subreaper)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != me:
            st = _stat(int(entry.name))
            if st is not None:
                table[int(entry.name)] = st
    found = {pid for pid, (_, pgrp) in table.items() if pgrp == group}
    frontier = {me}
    while frontier:
        children = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - found
        found |= children
        frontier = children
    return sorted(found)


def reap(me: int, group: int, timeout: float = 10.0) -> int:
    """SIGKILL what the program left and wait for it; returns how many were killed."""
    killed = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = leftovers(me, group)
        if not left:
            break
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        _wait_children(0.2)
    _wait_children(0)
    return killed


def _wait_children(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.02)


def remove_shm(prefixes: list[str]) -> list[str]:
    removed = []
    for prefix in prefixes:
        for path in SHM.glob(f"{prefix}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path.name)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shm", action="append", default=[], help="/dev/shm name prefix")
    parser.add_argument("--user", help="run the program as this user")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is required")
    me, group = os.getpid(), os.getpgrp()
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    stale = remove_shm(args.shm)  # left by an instance that died with its wrapper
    if stale:
        print(f"reaper: removed stale shared memory {stale}", file=sys.stderr, flush=True)
    child = subprocess.Popen(command, preexec_fn=_preexec(args.user), env=_user_env(args.user))

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    status = child.wait()
    killed = reap(me, group)
    removed = remove_shm(args.shm)
    if killed or removed:
        print(
            f"reaper: {command[0]} exited ({status}); killed {killed} leftover processes, "
            f"removed {len(removed)} shared memory files",
            file=sys.stderr,
            flush=True,
        )
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
