"""The kit's interceptors: only calls with a verified credential are served; the tenant and the
credential travel from an inbound call to an outbound one, the inbound deadline bounds the
outbound call, and domain errors become statuses."""

import asyncio
import uuid

import grpc
import pytest
from moodline_devkit.infra import free_port
from moodline_kit import auth, errors, tenancy
from moodline_kit.auth import AuthSettings, Claims, KeySet, generate_signing_key
from moodline_kit.grpc.client import create_channel, tenant_metadata
from moodline_kit.grpc.interceptors import ContextInterceptor
from moodline_kit.grpc.status import field_violations

pytestmark = pytest.mark.integration


def _server(handlers: dict) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server(interceptors=[ContextInterceptor(AuthSettings().verifier())])
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


async def test_only_verified_credentials_for_the_claimed_tenant_are_served():
    async def whoami(request: bytes, context) -> bytes:
        claims = auth.current_claims()
        return f"{tenancy.current_tenant()}|{claims.subject}|{claims.role}".encode()

    inner_server, inner_addr = _server({"WhoAmI": whoami})
    await inner_server.start()
    downstream = create_channel(inner_addr, default_timeout=30)

    async def outer(request: bytes, context) -> bytes:
        return await downstream.unary_unary("/test.Svc/WhoAmI")(b"")

    outer_server, outer_addr = _server({"Outer": outer})
    await outer_server.start()
    tenant, other = str(uuid.uuid4()), str(uuid.uuid4())
    signing = KeySet.from_signing(AuthSettings().auth_signing_keys)
    agent = Claims(tenant_id=uuid.UUID(tenant), subject="user:u-1", role="agent")
    agent_token = auth.bearer(auth.sign_service_token(signing, agent))
    forged = auth.bearer(
        auth.sign_service_token(KeySet.from_signing(generate_signing_key("test")), agent)
    )
    expired = auth.bearer(signing.sign(agent.to_jwt(audience=auth.SERVICE_AUDIENCE, ttl=1, now=1)))
    refused = {
        "no credential": ((tenancy.TENANT_METADATA_KEY, tenant),),
        "another tenant's credential": (
            *tenant_metadata(other)[1:],
            (tenancy.TENANT_METADATA_KEY, tenant),
        ),
        "forged": ((tenancy.TENANT_METADATA_KEY, tenant), ("authorization", forged)),
        "expired": ((tenancy.TENANT_METADATA_KEY, tenant), ("authorization", expired)),
        "not bearer": ((tenancy.TENANT_METADATA_KEY, tenant), ("authorization", "Basic x")),
    }
    try:
        async with grpc.aio.insecure_channel(outer_addr) as channel:
            call = channel.unary_unary("/test.Svc/Outer")
            # the credential of the inbound call is forwarded: the inner service sees the agent
            reply = await call(b"", metadata=(("authorization", agent_token),))
            assert reply.decode() == f"{tenant}|user:u-1|agent"
            for case, metadata in refused.items():
                with pytest.raises(grpc.aio.AioRpcError) as exc:
                    await call(b"", metadata=metadata)
                assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED, case
    finally:
        await downstream.close()
        await outer_server.stop(0)
        await inner_server.stop(0)


async def test_a_service_without_verify_keys_refuses_every_tenant_call():
    async def ok(request: bytes, context) -> bytes:
        return b"ok"

    server = grpc.aio.server(interceptors=[ContextInterceptor(None)])
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "test.Svc", {"Ok": grpc.unary_unary_rpc_method_handler(ok)}
            )
        ]
    )
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await channel.unary_unary("/test.Svc/Ok")(
                    b"", metadata=tenant_metadata(str(uuid.uuid4()))
                )
            assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        await server.stop(0)
