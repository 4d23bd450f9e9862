"""The gRPC services the gateway calls: one line each in UPSTREAMS. Each gets a channel (to the
address in the `<service>_addr` setting), its stub and a health stub; /readyz reports each one.
An upstream with no address configured is left out: its routes answer 503."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from fastapi import HTTPException
from grpc_health.v1 import health_pb2_grpc
from moodline.automation.v1 import automation_pb2_grpc
from moodline.billing.v1 import billing_pb2_grpc
from moodline.conversation.v1 import conversation_pb2_grpc
from moodline.customer.v1 import customer_pb2_grpc, dataops_pb2_grpc
from moodline.loyalty.v1 import loyalty_pb2_grpc
from moodline.sentiment.v1 import sentiment_pb2_grpc
from moodline_kit.grpc.client import create_channel

from gateway.config import GatewaySettings


@dataclass(frozen=True)
class Upstream:
    service: str  # the service's name; its address is the setting `<service>_addr`
    stub: Callable[[grpc.aio.Channel], Any]
    # Further gRPC services the same process serves, by name (on the same channel).
    more: tuple[tuple[str, Callable[[grpc.aio.Channel], Any]], ...] = ()


UPSTREAMS: tuple[Upstream, ...] = (
    Upstream(
        "customer",
        customer_pb2_grpc.CustomerServiceStub,
        more=(("dataops", dataops_pb2_grpc.DataOpsServiceStub),),
    ),
    Upstream("conversation", conversation_pb2_grpc.ConversationServiceStub),
    Upstream("sentiment", sentiment_pb2_grpc.SentimentServiceStub),
    Upstream("automation", automation_pb2_grpc.AutomationServiceStub),
    Upstream("billing", billing_pb2_grpc.BillingServiceStub),
    Upstream("loyalty", loyalty_pb2_grpc.LoyaltyServiceStub),
)


@dataclass
class Upstreams:
    """The stubs of the configured upstreams, by service name (`up["billing"]`); the
    attributes name the ones routes use most."""

    stubs: dict[str, Any]
    health: dict[str, health_pb2_grpc.HealthStub] = field(default_factory=dict)
    channels: list[grpc.aio.Channel] = field(default_factory=list)

    def __getitem__(self, service: str) -> Any:
        stub = self.stubs.get(service)
        if stub is None:
            owner = next((u.service for u in UPSTREAMS if service in dict(u.more)), service)
            raise HTTPException(
                503, f"the {owner} service is not configured ({owner.upper()}_ADDR)"
            )
        return stub

    @property
    def customers(self) -> customer_pb2_grpc.CustomerServiceStub:
        return self["customer"]

    @property
    def dataops(self) -> dataops_pb2_grpc.DataOpsServiceStub:
        """Imports and exports (served by the customer service)."""
        return self["dataops"]

    @property
    def conversations(self) -> conversation_pb2_grpc.ConversationServiceStub:
        return self["conversation"]

    @property
    def sentiment(self) -> sentiment_pb2_grpc.SentimentServiceStub:
        return self["sentiment"]

    @property
    def automation(self) -> automation_pb2_grpc.AutomationServiceStub:
        return self["automation"]

    @property
    def billing(self) -> billing_pb2_grpc.BillingServiceStub:
        return self["billing"]

    @property
    def loyalty(self) -> loyalty_pb2_grpc.LoyaltyServiceStub:
        return self["loyalty"]

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


def connect(settings: GatewaySettings, registry: tuple[Upstream, ...] = UPSTREAMS) -> Upstreams:
    upstreams = Upstreams(stubs={})
    for upstream in registry:
        address = getattr(settings, f"{upstream.service}_addr", "")
        if not address:
            continue
        channel = create_channel(address, default_timeout=settings.upstream_timeout)
        upstreams.channels.append(channel)
        upstreams.stubs[upstream.service] = upstream.stub(channel)
        for name, stub in upstream.more:
            upstreams.stubs[name] = stub(channel)
        upstreams.health[upstream.service] = health_pb2_grpc.HealthStub(channel)
    return upstreams
