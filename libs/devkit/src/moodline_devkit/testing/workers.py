"""A service's real Celery worker as a process of a test (`moodline-<service> worker`), on a
queue of the test's own, stopped (terminated, then killed) when the test is done."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def settings_env(settings: Any, names: Iterable[str], **extra: str) -> dict[str, str]:
    """This process's environment, with each named setting as its variable (`NAME`; booleans
    as `true` / `false`), quiet logs, then `extra`."""
    env = dict(os.environ)
    for name in names:
        value = getattr(settings, name)
        env[name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return {**env, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", **extra}


@contextlib.contextmanager
def celery_worker(
    service: str,
    queue: str,
    env: dict[str, str],
    log: Path,
    *,
    beat: bool = False,
    concurrency: int = 1,
) -> Iterator[subprocess.Popen]:
    """`moodline-<service> worker` on `queue` (solo pool for one, else prefork with
    `concurrency` children), with `beat` its schedule runs in it too; output to `log`."""
    argv = [
        str(Path(sys.executable).parent / f"moodline-{service}"),
        "worker",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--queues={queue}",
        f"--hostname={service}-{uuid.uuid4().hex[:8]}@%h",
    ]
    if concurrency == 1:
        argv.append("--pool=solo")
    else:
        argv += ["--pool=prefork", f"--concurrency={concurrency}"]
    if beat:
        argv += ["-B", f"--schedule={log.parent / f'beat-{uuid.uuid4().hex[:6]}'}"]
    out = open(log, "ab")
    proc = subprocess.Popen(argv, env=env, stdout=out, stderr=out)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()
