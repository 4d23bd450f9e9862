"""Adjustments of one enrolment take turns in-process; the queue forgets a key once idle."""

import asyncio

from loyalty.service_layer.ledger import KeyedQueue


async def test_one_key_at_a_time_others_in_parallel_and_nothing_left_behind():
    queue = KeyedQueue()
    inside: dict[str, int] = {"a": 0, "b": 0}
    most: dict[str, int] = {"a": 0, "b": 0}

    async def work(key: str) -> None:
        async with queue.turn(key):
            inside[key] += 1
            most[key] = max(most[key], inside[key])
            await asyncio.sleep(0.001)
            inside[key] -= 1

    await asyncio.gather(*(work("a") for _ in range(20)), *(work("b") for _ in range(20)))
    assert most == {"a": 1, "b": 1}
    assert queue._locks == {}
