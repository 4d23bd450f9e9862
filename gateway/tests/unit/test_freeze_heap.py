"""The `serve` process freezes what the lifespan built (gc.freeze); in-process apps do not."""

import gc

import pytest
from gateway.app import create_app
from gateway.config import GatewaySettings


@pytest.mark.parametrize("freeze", [False, True])
async def test_freeze_heap_after_the_lifespan_built_the_app(freeze):
    gc.unfreeze()
    settings = GatewaySettings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
        customer_addr="127.0.0.1:9",
        conversation_addr="127.0.0.1:9",
    )
    app = create_app(settings, freeze_heap=freeze)
    try:
        async with app.router.lifespan_context(app):  # builds engines/channels, connects nothing
            assert (gc.get_freeze_count() > 0) is freeze
    finally:
        gc.unfreeze()
