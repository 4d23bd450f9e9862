"""Test helpers: a real tritonserver (CPU, from ml-serving's serve venv) that a test may stop and
restart, and a real sentiment service inside a test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import nats
from moodline.sentiment.v1 import sentiment_pb2_grpc
from moodline_kit import migrations
from moodline_kit.dev.infra import free_port
from moodline_kit.grpc import server as grpc_server

from sentiment import bootstrap
from sentiment.config import SentimentSettings
from sentiment.entrypoints.cli import MIGRATIONS

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


@dataclass
class RunningService:
    container: bootstrap.Container
    address: str
    channel: grpc.aio.Channel
    stub: sentiment_pb2_grpc.SentimentServiceStub


async def migrate(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, database_url)


@contextlib.asynccontextmanager
async def running_sentiment_service(
    database_url: str, nats_url: str, triton_addr: str, **settings: object
) -> AsyncIterator[RunningService]:
    suffix = uuid.uuid4().hex[:10]
    config = SentimentSettings(
        database_url=database_url,
        nats_url=nats_url,
        triton_addr=triton_addr,
        grpc_port=free_port(),
        readiness_interval=0.2,
        **{
            # Private consumers that start at "now" and are deleted afterwards: test sessions
            # sharing one NATS never split each other's events nor replay a stream's history
            # (a shared NATS may hold a benchmark's million messages).
            "scoring_consumer": f"sentiment-scoring-test-{suffix}",
            "outcomes_consumer": f"sentiment-outcomes-test-{suffix}",
            "consumer_start": "new",
            **settings,
        },  # type: ignore[arg-type]
    )
    container = await bootstrap.build(config)
    consumers = [container.scoring, container.outcomes]
    js = container.nc.jetstream()
    for consumer in consumers:  # created now, so that nothing published after this is missed
        with contextlib.suppress(Exception):
            await js.add_consumer(consumer.stream, config=consumer.config)
    stop = asyncio.Event()
    task = asyncio.create_task(grpc_server.run(bootstrap.grpc_app(container), stop=stop))
    address = f"127.0.0.1:{config.grpc_port}"
    channel = grpc.aio.insecure_channel(address)
    await asyncio.wait_for(channel.channel_ready(), 10)
    try:
        yield RunningService(
            container, address, channel, sentiment_pb2_grpc.SentimentServiceStub(channel)
        )
    finally:
        await channel.close()
        stop.set()
        await asyncio.wait_for(task, 60)
        if config.scoring_consumer.endswith(suffix):
            nc = await nats.connect(nats_url)
            try:
                for consumer in consumers:
                    with contextlib.suppress(Exception):
                        await nc.jetstream().delete_consumer(
                            consumer.stream, consumer.config.durable_name
                        )
            finally:
                await nc.close()
