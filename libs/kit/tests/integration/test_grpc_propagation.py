"""The kit's interceptors: the tenant travels from an inbound call to an outbound one, the
inbound deadline bounds the outbound call, and domain errors become statuses."""

import asyncio
import uuid

import grpc
import pytest
from moodline_devkit.infra import free_port
from moodline_kit import errors, tenancy
from moodline_kit.grpc.client import create_channel, tenant_metadata
from moodline_kit.grpc.interceptors import ContextInterceptor
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


def _server(handlers: dict) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server(interceptors=[ContextInterceptor()])
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "test.Svc",
                {name: grpc.unary_unary_rpc_method_handler(fn) for name, fn in handlers.items()},
            )
        ]
    )
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    return server, f"127.0.0.1:{port}"


async def test_tenant_and_deadline_propagate_and_errors_carry_details():
    async def inner(request: bytes, context) -> bytes:
        return f"{tenancy.current_tenant()}|{context.time_remaining():.3f}".encode()

    async def fail(request: bytes, context) -> bytes:
        raise errors.InvalidArgument.of("name", "is required")

    inner_server, inner_addr = _server({"Inner": inner, "Fail": fail})
    await inner_server.start()
    downstream = create_channel(inner_addr, default_timeout=30)

    async def outer(request: bytes, context) -> bytes:
        await asyncio.sleep(0.2)  # spend part of the caller's budget
        return await downstream.unary_unary("/test.Svc/Inner")(b"")

    outer_server, outer_addr = _server({"Outer": outer})
    await outer_server.start()
    tenant = str(uuid.uuid4())
    try:
        async with grpc.aio.insecure_channel(outer_addr) as channel:
            reply = await channel.unary_unary("/test.Svc/Outer")(
                b"", timeout=2.0, metadata=tenant_metadata(tenant)
            )
            seen_tenant, remaining = reply.decode().split("|")
            assert seen_tenant == tenant
            assert float(remaining) < 1.85  # inherited 2 s minus the time spent, not 30 s
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await channel.unary_unary("/test.Svc/Outer")(b"")
            assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
        async with grpc.aio.insecure_channel(inner_addr) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await channel.unary_unary("/test.Svc/Fail")(b"", metadata=tenant_metadata(tenant))
            assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert [(v.field, v.description) for v in field_violations(exc.value)] == [
                ("name", "is required")
            ]
    finally:
        await downstream.close()
        await outer_server.stop(0)
        await inner_server.stop(0)
