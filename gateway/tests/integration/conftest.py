"""The gateway app (in-process, real lifespan) in front of a real customer service."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from conversation.testing import migrate as migrate_conversation
from conversation.testing import running_conversation_service
from customer.testing import migrate, running_customer_service
from gateway.app import create_app
from gateway.auth import Role, create_api_key, create_tenant
from gateway.cli import MIGRATIONS
from gateway.config import GatewaySettings
from gateway.upstreams import UPSTREAMS
from loyalty.testing import migrate as migrate_loyalty
from loyalty.testing import running_loyalty_service
from moodline_devkit.testing.harness import migrate as migrate_service
from moodline_devkit.testing.harness import running_service
from moodline_devkit.testing.openapi import ResponseModels
from moodline_devkit.testing.plugin import own_nats
from moodline_kit import migrations
from moodline_kit.grpc.client import tenant_metadata
from moodline_kit.service import lookup


def checking_response_models(app) -> dict:  # type: ignore[no-untyped-def]
    """httpx event hooks: every JSON success response must match the model its route declares
    in the OpenAPI document (a mismatch fails the request's test)."""
    models = ResponseModels(app.openapi())

    async def check(response: httpx.Response) -> None:
        kind = response.headers.get("content-type", "")
        if 200 <= response.status_code < 300 and kind.startswith("application/json"):
            await response.aread()
            request = response.request
            problems = models.problems(
                request.method, request.url.path, response.status_code, response.json()
            )
            assert not problems, "response does not match its model:\n" + "\n".join(problems)

    return {"response": [check]}


@dataclass
class Tenant:
    id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Gateway:
    client: httpx.AsyncClient
    app: object
    databases: dict[str, str] = field(default_factory=dict)  # service -> database URL

    async def move_to_folder(self, headers: dict[str, str], customer_id: str, folder: str) -> None:
        """PATCH the customer into `folder`, re-reading the ETag when the read model moved
        the version meanwhile."""
        url = f"/api/v1/customers/{customer_id}"
        for _ in range(20):
            etag = (await self.client.get(url, headers=headers)).headers["etag"]
            r = await self.client.patch(
                url, headers={**headers, "If-Match": etag}, json={"folder": folder}
            )
            if r.status_code != 412:
                assert r.status_code == 200, r.text
                return
        raise AssertionError("customer kept changing")

    async def tenant(self, country: str = "US", role: Role = Role.ADMIN) -> Tenant:
        engine = self.app.state.engine
        tenant_id, key = await create_tenant(engine, name="Test", default_country=country)
        if role is not Role.ADMIN:
            key = await create_api_key(engine, tenant_id=tenant_id, role=role)
        if country != "US":
            from moodline.customer.v1 import customer_pb2

            await self.app.state.upstreams.customers.UpdateTenantSettings(
                customer_pb2.TenantSettings(default_country=country),
                metadata=tenant_metadata(str(tenant_id)),
            )
        return Tenant(tenant_id, key)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def gateway(database_factory, infra_urls) -> AsyncIterator[Gateway]:
    customer_db = await database_factory("gw_customer")
    gateway_db = await database_factory("gateway")
    conversation_db = await database_factory("gw_conversation")
    loyalty_db = await database_factory("gw_loyalty")
    await migrate(customer_db)
    await migrate_conversation(conversation_db)
    await migrate_loyalty(loyalty_db)
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
    async with (
        running_customer_service(customer_db, infra_urls.nats_url) as customer,
        running_conversation_service(
            conversation_db, infra_urls.nats_url, customer.address
        ) as conversation,
        running_loyalty_service(loyalty_db, infra_urls.nats_url) as loyalty,
    ):
        upstreams = {"customer": customer, "conversation": conversation, "loyalty": loyalty}
        settings = GatewaySettings(
            database_url=gateway_db,
            **{f"{name}_addr": running.address for name, running in upstreams.items()},
            redis_url=infra_urls.redis_url,
            nats_url=infra_urls.nats_url,
            max_body_bytes=16 * 1024,
            # every in-process request comes from one address: only the per-account policy
            # is exercised through HTTP (the per-address one in test_auth_api directly)
            login_address_slow_after=100_000,
            login_address_lock_after=200_000,
            # tests make many requests per key; the limiter is tested with a key's own limits
            rate_limit_per_minute=1_000_000,
            rate_limit_burst=100_000,
            # 1,000 concurrent adjustments are all in flight at once, in this one process: the
            # last waits for the other 999 (tens of seconds on two shared cores), far past the
            # default 5 s.
            upstream_timeout=120.0,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://gw", event_hooks=checking_response_models(app)
            ) as client:
                yield Gateway(client, app)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def sentiment_gateway(database_factory, infra_urls) -> AsyncIterator[Gateway]:
    """The gateway in front of real customer, conversation and sentiment services, the
    sentiment service scoring with a real tritonserver (CPU). Skipped only when ml-serving's
    serve venv or a model repository is missing. The three services get a NATS server of their
    own: a session-wide sentiment consumer on the shared one would score (and overwrite) the
    messages other test modules publish there."""
    from sentiment.testing import TritonServer, running_sentiment_service, triton_available
    from sentiment.testing import migrate as migrate_sentiment

    if not triton_available():
        pytest.skip("no Triton serve venv / model repository (make -C ml-serving venv-serve ...)")
    triton = TritonServer()
    await asyncio.to_thread(triton.start, 300)
    try:
        customer_db = await database_factory("gws_customer")
        conversation_db = await database_factory("gws_conversation")
        sentiment_db = await database_factory("gws_sentiment")
        gateway_db = await database_factory("gws_gateway")
        await migrate(customer_db)
        await migrate_conversation(conversation_db)
        await migrate_sentiment(sentiment_db)
        await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
        with own_nats() as nats:
            nats_url = f"nats://127.0.0.1:{nats.port}"
            async with (
                running_customer_service(customer_db, nats_url) as customer,
                running_conversation_service(
                    conversation_db, nats_url, customer.address
                ) as conversation,
                running_sentiment_service(sentiment_db, nats_url, triton.grpc_addr) as sentiment,
                contextlib.AsyncExitStack() as others,
            ):
                addresses = {
                    "customer_addr": customer.address,
                    "conversation_addr": conversation.address,
                    "sentiment_addr": sentiment.address,
                }
                # Every other upstream the gateway knows (billing, ...) runs too, so that every
                # route is served: the OpenAPI fuzzing covers services added later unchanged.
                for upstream in UPSTREAMS:
                    if f"{upstream.service}_addr" in addresses:
                        continue
                    service = lookup(upstream.service)
                    database = await database_factory(f"gws_{upstream.service}")
                    await migrate_service(service, database)
                    peers = {
                        k: v for k, v in addresses.items() if k in service.settings.model_fields
                    }
                    running = await others.enter_async_context(
                        running_service(
                            service,
                            upstream.stub,
                            database_url=database,
                            nats_url=nats_url,
                            db_pool_size=4,
                            **peers,
                        )
                    )
                    addresses[f"{upstream.service}_addr"] = running.address
                settings = GatewaySettings(
                    database_url=gateway_db,
                    redis_url=infra_urls.redis_url,
                    nats_url=nats_url,
                    sse_heartbeat_seconds=1.0,
                    rate_limit_per_minute=1_000_000,
                    rate_limit_burst=100_000,
                    upstream_timeout=30.0,
                    **addresses,
                )
                app = create_app(settings)
                async with app.router.lifespan_context(app):
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(
                        transport=transport,
                        base_url="http://gw",
                        timeout=60,
                        event_hooks=checking_response_models(app),
                    ) as client:
                        yield Gateway(
                            client,
                            app,
                            {
                                "customer": customer_db,
                                "conversation": conversation_db,
                                "sentiment": sentiment_db,
                                "gateway": gateway_db,
                            },
                        )
    finally:
        await asyncio.to_thread(triton.stop)


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def served_gateway(sentiment_gateway) -> AsyncIterator[str]:
    """`sentiment_gateway`'s app served over real HTTP (uvicorn, loopback, on this event loop)
    for clients that run out of process (schemathesis) or need real connections; its URL."""
    import uvicorn
    from moodline_devkit.infra import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            sentiment_gateway.app,
            host="127.0.0.1",
            port=port,
            lifespan="off",  # the fixture's lifespan already runs
            log_config=None,
            access_log=False,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class AutomationGateway(Gateway):
    worker_settings: object = None
    logs: object = None


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def automation_gateway(
    database_factory, infra_urls, tmp_path_factory
) -> AsyncIterator[AutomationGateway]:
    """The gateway in front of real customer, conversation and automation services (a NATS of
    their own, so the trigger consumers see only these tests' events) and a real Celery worker
    (with the beat sweeper) on a Redis database of its own."""
    from automation.testing import celery_worker, running_automation_stack

    logs = tmp_path_factory.mktemp("gw-automation")
    gateway_db = await database_factory("gwa_gateway")
    await asyncio.to_thread(migrations.upgrade, MIGRATIONS, gateway_db)
    # With a Celery queue of the session's own (running_automation_stack).
    async with running_automation_stack(
        database_factory, infra_urls.redis_url, prefix="gwa_", stale_after=5.0
    ) as stack:
        auto_settings = stack.automation.container.settings
        settings = GatewaySettings(
            database_url=gateway_db,
            customer_addr=stack.customer.address,
            conversation_addr=stack.conversation.address,
            automation_addr=stack.automation.address,
            redis_url=infra_urls.redis_url,
            upstream_timeout=15.0,
        )
        app = create_app(settings)
        with celery_worker(auto_settings, logs / "worker.log", beat=True):
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://gw", timeout=30
                ) as client:
                    yield AutomationGateway(client, app, worker_settings=auto_settings, logs=logs)
