"""JetStream messages as a consumer meets them, without a server: hand a batch of these to a
consumer's `handle_batch` to deliver exactly that batch (its duplicates, an unreadable event, a
redelivery) and see how each message was settled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from moodline.events.v1 import envelope_pb2


@dataclass
class Delivery:
    data: bytes
    subject: str
    metadata: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(num_delivered=1))
    settled: list[str] = field(default_factory=list)  # "ack", "nak", "term", in order

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nak(self, delay: float | None = None) -> None:
        self.settled.append("nak")

    async def term(self) -> None:
        self.settled.append("term")

    async def in_progress(self) -> None:
        pass


def deliveries(
    envelopes: Iterable[envelope_pb2.EventEnvelope], *, attempt: int = 1
) -> list[Delivery]:
    """The envelopes as one fetched batch, each on its `attempt`-th delivery."""
    return [
        Delivery(e.SerializeToString(), e.type, SimpleNamespace(num_delivered=attempt))
        for e in envelopes
    ]
