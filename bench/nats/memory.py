"""nats-server memory while the platform's streams fill (never part of `make test`).

The soak saw nats-server's private memory grow 47 -> 71 MB in 10 minutes. This asks whether
that is a leak or a bound: it starts its own nats-server (the binary and flags `make run` uses),
declares one stream per producing service exactly as the services do (`ensure_stream`: file
storage, 30-day max age, 120 s duplicate window), and publishes outbox-like events (300 bytes,
a `Nats-Msg-Id` each) at a steady rate, round-robin over the streams, while one durable pull
consumer per stream fetches and acks them at the head, as the platform's consumers do.
Every `--sample-s` it prints the messages stored, the bytes stored and nats-server's private
memory (USS) and RSS; at the end it stops publishing, waits past the duplicate window and the
block-cache expiry, and samples once more. The server gets `make run`'s Go memory limit
(`GOMEMLIMIT`, `moodline_devkit.infra.NATS_GOMEMLIMIT`) unless `--gomemlimit off`; at the end it
prints the server's CPU seconds, so the limit's cost in garbage collection shows beside its gain.

    .venv/bin/python bench/nats/memory.py --rate 1000 --minutes 12
    .venv/bin/python bench/nats/memory.py --rate 1000 --minutes 12 --gomemlimit off
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import nats
import psutil
from moodline_devkit import infra
from moodline_devkit.infra import free_port
from moodline_kit import nats as kit_nats
from moodline_kit.nats import JetStreamBatchPublisher, Outgoing

SERVICES = ("customer", "conversation", "sentiment", "billing", "loyalty", "automation")
PAYLOAD = b"x" * 300


def memory_mb(process: psutil.Process) -> tuple[float, float]:
    info = process.memory_full_info()
    return info.uss / 2**20, info.rss / 2**20


async def consume(js, service: str, stop: asyncio.Event) -> None:
    sub = await js.pull_subscribe(f"{service}.>", durable=f"bench-{service}")
    while not stop.is_set():
        with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
            for msg in await sub.fetch(256, timeout=0.5):
                await msg.ack()


async def run(args: argparse.Namespace, port: int, process: psutil.Process) -> None:
    await asyncio.sleep(1.0)
    nc = await nats.connect(f"nats://127.0.0.1:{port}")
    js = nc.jetstream()
    for service in SERVICES:
        await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    stop = asyncio.Event()
    consumers = [asyncio.create_task(consume(js, s, stop)) for s in SERVICES]
    publisher = JetStreamBatchPublisher(nc)
    batch = max(1, args.rate // 20)  # 20 batches a second
    started = time.monotonic()
    next_sample = 0.0
    sent = 0
    print("| s | messages | stored MB | nats-server USS MB | RSS MB |")
    print("| ---: | ---: | ---: | ---: | ---: |")

    async def sample(label: str) -> None:
        state = [await js.stream_info(s.upper()) for s in SERVICES]
        stored = sum(i.state.messages for i in state)
        stored_mb = sum(i.state.bytes for i in state) / 2**20
        uss, rss = memory_mb(process)
        print(f"| {label} | {stored} | {stored_mb:.1f} | {uss:.1f} | {rss:.1f} |", flush=True)

    while (elapsed := time.monotonic() - started) < args.minutes * 60:
        if elapsed >= next_sample:
            await sample(f"{elapsed:.0f}")
            next_sample += args.sample_s
        events = [
            Outgoing(
                f"{SERVICES[(sent + k) % len(SERVICES)]}.thing.happened",
                PAYLOAD,
                {"Nats-Msg-Id": str(uuid.uuid4())},
            )
            for k in range(batch)
        ]
        await publisher.publish(events)
        sent += batch
        behind = sent / args.rate - (time.monotonic() - started)
        if behind > 0:
            await asyncio.sleep(behind)
    await sample(f"{time.monotonic() - started:.0f} (end)")
    await asyncio.sleep(args.idle_s)
    await sample(f"+{args.idle_s:.0f} idle")
    stop.set()
    await asyncio.gather(*consumers)
    await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="events per second")
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--sample-s", type=float, default=60.0)
    parser.add_argument("--idle-s", type=float, default=150.0)
    parser.add_argument(
        "--gomemlimit", default=infra.NATS_GOMEMLIMIT, help="nats-server's GOMEMLIMIT, or off"
    )
    args = parser.parse_args()
    store = Path(tempfile.mkdtemp(prefix="bench-nats-"))
    port = free_port()
    command = infra.nats(store, port)
    env = {k: v for k, v in command.environ().items() if k != "GOMEMLIMIT"}
    if args.gomemlimit != "off":
        env["GOMEMLIMIT"] = args.gomemlimit
    print(f"nats-server GOMEMLIMIT={env.get('GOMEMLIMIT', 'unset')}, {args.rate} events/s")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(command.argv, env=env, **quiet)  # type: ignore[call-overload]
    process = psutil.Process(server.pid)
    try:
        asyncio.run(run(args, port, process))
        cpu = process.cpu_times()
        print(f"nats-server CPU: {cpu.user + cpu.system:.1f} s")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
