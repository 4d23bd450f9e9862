"""The upstream registry: a channel, stub and health stub per configured upstream; an
unconfigured one answers 503 naming its setting."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from gateway.config import GatewaySettings
from gateway.upstreams import UPSTREAMS, connect


async def test_every_configured_upstream_gets_a_stub_and_a_health_check() -> None:
    up = connect(GatewaySettings(sentiment_addr=""))
    try:
        assert set(up.health) == {"customer", "conversation"}
        # the customer service also serves imports and exports, on the same channel
        assert set(up.stubs) == {"customer", "dataops", "conversation"}
        assert up.customers is up["customer"] and up.dataops is up["dataops"]
        with pytest.raises(HTTPException) as exc:
            up.sentiment  # noqa: B018
        assert exc.value.status_code == 503 and "SENTIMENT_ADDR" in exc.value.detail
    finally:
        await up.close()


def test_every_upstream_has_an_address_setting() -> None:
    for upstream in UPSTREAMS:
        assert f"{upstream.service}_addr" in GatewaySettings.model_fields


async def test_a_further_service_of_an_unconfigured_upstream_names_its_setting() -> None:
    up = connect(GatewaySettings(customer_addr=""))
    try:
        with pytest.raises(HTTPException) as exc:
            up.dataops  # noqa: B018
        assert exc.value.status_code == 503 and "CUSTOMER_ADDR" in exc.value.detail
    finally:
        await up.close()
