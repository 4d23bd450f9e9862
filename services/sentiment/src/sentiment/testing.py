"""Test helpers: a real tritonserver (CPU, from ml-serving's serve venv) that a test may stop and
restart, and a real sentiment service inside a test's event loop."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from moodline.sentiment.v1.sentiment_pb2_grpc import SentimentServiceStub
from moodline_devkit.infra import free_port
from moodline_devkit.testing.harness import RunningService, migrator, runner

from sentiment.bootstrap import SERVICE

__all__ = ["RunningService", "TritonServer", "migrate", "running_sentiment_service"]

REPO_ROOT = Path(__file__).resolve().parents[4]
ML = REPO_ROOT / "ml-serving"


def model_repository() -> Path | None:
    """SENTIMENT_MODEL_REPOSITORY, else the CPU repository `make -C ml-serving
    model-repository-cpu` builds, else the ML engineer's smoke repository."""
    candidates = [
        os.environ.get("SENTIMENT_MODEL_REPOSITORY"),
        ML / "build" / "model_repository_cpu",
        ML / "build" / "smoke_repo_cpu",
    ]
    for c in candidates:
        if c and (Path(c) / "sentiment" / "config.pbtxt").exists():
            return Path(c)
    return None


def triton_available() -> bool:
    return model_repository() is not None and (ML / ".venv-serve" / "bin" / "python").exists()


class TritonServer:
    """`scripts/run_triton_cpu.sh` on free ports; stop() and start() keep the ports."""

    def __init__(self, repository: Path | None = None, log_dir: Path | None = None) -> None:
        self.repository = repository or model_repository()
        if self.repository is None:
            raise RuntimeError(
                "no Triton model repository: make -C ml-serving model-repository-cpu"
            )
        self.http_port, self.grpc_port, self.metrics_port = free_port(), free_port(), free_port()
        self.log_path = (
            log_dir or Path(tempfile.mkdtemp(prefix="moodline-triton-"))
        ) / "triton.log"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def grpc_addr(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def start(self, timeout: float = 180.0) -> None:
        env = {
            **os.environ,
            "VENV": str(ML / ".venv-serve"),
            "MODEL_REPOSITORY": str(self.repository),
            "HTTP_PORT": str(self.http_port),
            "GRPC_PORT": str(self.grpc_port),
            "METRICS_PORT": str(self.metrics_port),
            "BIND_ADDRESS": "127.0.0.1",
        }
        log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            [str(ML / "scripts" / "run_triton_cpu.sh")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.http_port}/v2/models/sentiment/ready"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"tritonserver exited; see {self.log_path}")
            with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"tritonserver not ready in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextlib.contextmanager
def running_triton() -> Iterator[TritonServer]:
    server = TritonServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


migrate = migrator(SERVICE)
# running_sentiment_service(database_url, nats_url, triton_addr, **settings)
running_sentiment_service = runner(SERVICE, SentimentServiceStub, "triton_addr")


# A friendly e-mail with one complaint in the middle (its head and tail are all praise): the
# tests of reading in sentences and of explanations.
WARM_LETTER_WITH_ONE_COMPLAINT = (
    "Hi Sam, I hope you are well and that you had a good weekend with the family. "
    "The new boiler is lovely, the flat is warm and the radiators are lovely and quiet. "
    "Your engineer was polite, explained the controls and even took his boots off at the door. "
    "There is one thing I do need to raise though. "
    "He left the old boiler, the pipes and a pile of packaging in our back garden and said "
    "someone would collect it all by Friday, and nobody has come or answered the phone since. "
    "We had friends round at the weekend and they all said how cosy the place feels now. "
    "Thanks again for fitting us in so quickly, and best wishes to everyone at the office."
)
