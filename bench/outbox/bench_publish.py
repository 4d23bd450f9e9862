"""JetStream publishing as the outbox relay does it (never part of `make test`): per event, CPU
and wall time of nats-py's `js.publish` gathered per batch (the relay until session 5) against
`moodline_kit.nats.JetStreamBatchPublisher` (one inbox subscription, one timer per batch).

    NATS_URL=nats://127.0.0.1:4222 nice .venv/bin/python bench/outbox/bench_publish.py

Uses a throw-away stream on the NATS server at NATS_URL (deleted at the end); 300-byte
payloads with a `Nats-Msg-Id` header, like outbox rows. Prints one line per batch size and way.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import nats
from moodline_kit import nats as kit_nats
from moodline_kit.nats import JetStreamBatchPublisher, Outgoing

EVENTS = 4096
PAYLOAD = b"x" * 300


async def main() -> None:
    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    js = nc.jetstream()
    service = f"benchpub{uuid.uuid4().hex[:6]}"
    await kit_nats.ensure_stream(js, kit_nats.StreamSpec(service))
    subject = f"{service}.thing.done"
    publisher = JetStreamBatchPublisher(nc)

    async def gathered(size: int) -> None:
        await asyncio.gather(
            *(
                js.publish(subject, PAYLOAD, timeout=5, headers={"Nats-Msg-Id": str(uuid.uuid4())})
                for _ in range(size)
            )
        )

    async def batched(size: int) -> None:
        await publisher.publish(
            [Outgoing(subject, PAYLOAD, {"Nats-Msg-Id": str(uuid.uuid4())}) for _ in range(size)]
        )

    ways = (("js.publish gathered", gathered), ("JetStreamBatchPublisher", batched))
    try:
        for size in (1, 4, 32, 256):
            for name, way in ways:
                rounds = max(1, EVENTS // size)
                cpu, wall = time.process_time(), time.perf_counter()
                for _ in range(rounds):
                    await way(size)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                per = 1e6 / (rounds * size)
                print(
                    f"batch {size:4d}  {name:24s} {cpu * per:7.1f} us CPU/event  "
                    f"{wall * per:7.1f} us wall/event",
                    flush=True,
                )
    finally:
        await js.delete_stream(service.upper())
        await nc.close()


if __name__ == "__main__":
    asyncio.run(main())
