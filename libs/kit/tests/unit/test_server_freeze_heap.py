"""A service process freezes what start-up built (gc.freeze); in-process test servers do not."""

import asyncio
import gc

import pytest
from moodline_kit.grpc import server


@pytest.mark.parametrize("freeze", [False, True])
async def test_freeze_heap_moves_the_start_up_heap_out_of_the_collector(freeze):
    gc.unfreeze()
    stop = asyncio.Event()
    app = server.GrpcApp(name="freeze-test", port=0, services=[], shutdown_grace=0.1)
    task = asyncio.create_task(server.run(app, stop=stop, freeze_heap=freeze))
    try:
        for _ in range(100):
            if gc.get_freeze_count() or task.done():
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert (gc.get_freeze_count() > 0) is freeze
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        gc.unfreeze()
