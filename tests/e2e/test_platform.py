"""The whole platform as `make run` starts it: customers created and found through the gateway,
the event on JetStream, one trace from the gateway span to the customer-service span, and a
clean stop on Ctrl-C."""

from __future__ import annotations

import ipaddress
import json
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

STARTUP_BUDGET_S = 300  # as in conftest.py


def test_run_json_has_the_gateway_url_and_a_demo_key(platform):
    assert platform["gateway_url"].startswith("http://127.0.0.1:")
    assert platform["api_key"].startswith("mdl_")
    assert platform["startup_s"] < STARTUP_BUDGET_S


def test_the_demo_admin_signs_in_and_sees_the_demo_tenant(platform):
    base = platform["gateway_url"]
    r = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": platform["admin_email"], "password": platform["admin_password"]},
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user"]["email"] == platform["admin_email"]
    assert me["role"] == "admin"
    assert me["tenant"] == {"id": platform["tenant_id"], "name": "Demo Salon & Spa"}


def test_demo_customers_are_seeded(platform):
    headers = {"Authorization": f"Bearer {platform['api_key']}"}
    page = httpx.get(f"{platform['gateway_url']}/api/v1/customers", headers=headers).json()
    assert len(page["items"]) >= 10


def _poll(fetch, done, timeout: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_demo_billing_data_drives_ltv_and_stages(platform):
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}

    def by_name():  # type: ignore[no-untyped-def]
        page = httpx.get(f"{base}/api/v1/customers?limit=50", headers=headers).json()
        return {c["first_name"]: c for c in page["items"]}

    expected = {
        "Olivia": (148_000, "vip"),  # two bridal packages + colour: LTV above $1,000
        "Liam": (24_000, "repeat"),  # three bookings
        "Sophia": (18_000, "customer"),  # one booking
        "Noah": (6_500, "at_risk"),  # a card payment failed after his booking
        "Emma": (15_000, "customer"),  # an invoice, partly paid
    }
    found = _poll(
        by_name,
        lambda c: all(
            (c[n]["lifetime_value_minor"], c[n]["lifecycle_stage"]) == v
            for n, v in expected.items()
        ),
        timeout=15,
    )
    assert {
        n: (found[n]["lifetime_value_minor"], found[n]["lifecycle_stage"]) for n in expected
    } == (expected)
    assert found["Olivia"]["purchases_count"] == 3 and found["Olivia"]["currency"] == "USD"
    vip = httpx.get(f"{base}/api/v1/customers?segment=vip", headers=headers).json()["items"]
    assert "Olivia" in {c["first_name"] for c in vip}
    high_value = httpx.get(f"{base}/api/v1/customers?segment=high_value", headers=headers).json()
    assert "Olivia" in {c["first_name"] for c in high_value["items"]}


def test_a_confirmed_booking_shows_in_the_customer_ltv_within_2_seconds(platform):
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    customer = httpx.post(
        f"{base}/api/v1/customers", json={"first_name": "Vera"}, headers=headers
    ).json()
    booking = httpx.post(
        f"{base}/api/v1/bookings",
        json={
            "customer_id": customer["id"],
            "starts_at": "2027-06-01T10:00:00Z",
            "ends_at": "2027-06-01T12:00:00Z",
            "amount_minor": 120_000,
            "currency": "USD",
            "confirm": True,
        },
        headers=headers,
    )
    assert booking.status_code == 201, booking.text
    changed = time.monotonic()
    seen = _poll(
        lambda: httpx.get(f"{base}/api/v1/customers/{customer['id']}", headers=headers).json(),
        lambda c: c["lifetime_value_minor"] == 120_000,
        timeout=10,
    )
    elapsed = time.monotonic() - changed
    assert seen["lifetime_value_minor"] == 120_000
    assert elapsed < 2.0, f"LTV visible after {elapsed:.2f}s"
    assert seen["lifecycle_stage"] == "vip" and seen["purchases_count"] == 1


def test_demo_loyalty_program_earns_from_the_demo_payments_through_nats(platform):
    """The demo points program (1 point per $1, 10 per visit) with five customers enrolled
    before the demo bookings were paid: billing's payment and booking events reach loyalty
    through JetStream and earn, once each, next to the hand-made history."""
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    (program,) = httpx.get(f"{base}/api/v1/loyalty/programs", headers=headers).json()["items"]
    assert program["kind"] == "points" and len(program["earn_rules"]) == 2
    customers = httpx.get(f"{base}/api/v1/customers?limit=200", headers=headers).json()["items"]
    enrolled = {}
    for customer in customers:
        page = httpx.get(f"{base}/api/v1/customers/{customer['id']}/loyalty", headers=headers)
        for enrolment in page.json()["items"]:
            enrolled[customer["first_name"]] = enrolment
    assert len(enrolled) == 5 and {e["program_id"] for e in enrolled.values()} == {program["id"]}
    olivia = enrolled["Olivia"]
    # 100 + 45 - 50 by hand; $650 + $650 + $180 paid (1,480 points) and 3 visits (30 points).
    got = _poll(
        lambda: httpx.get(f"{base}/api/v1/loyalty/enrolments/{olivia['id']}", headers=headers),
        lambda r: r.json()["balance"] >= 1605,
        timeout=60,
    ).json()
    assert got["balance"] == 1605 and got["lifetime_earned"] == 45 + 1480 + 30
    ledger = httpx.get(f"{base}/api/v1/loyalty/enrolments/{olivia['id']}/ledger", headers=headers)
    entries = list(reversed(ledger.json()["items"]))
    assert [x["points"] for x in entries[:3]] == [100, 45, -50]
    earned = sorted(
        (x["source_ref"].split(":")[0], x["points"]) for x in entries[3:] if x["reason"] == "earned"
    )
    assert earned == [("booking", 10)] * 3 + [("payment", 180), ("payment", 650), ("payment", 650)]
    assert len({x["source_ref"] for x in entries[3:]}) == 6  # each payment and visit once


def test_create_then_find_by_partial_phone_with_event_and_one_trace(platform):
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    created = httpx.post(
        f"{base}/api/v1/customers",
        headers=headers,
        json={
            "first_name": "Zoe",
            "last_name": "E2E",
            "company": "Trace Ltd",
            "phones": [{"number": "(628) 555-0142", "primary": True}],
            "emails": [{"address": "zoe.e2e@example.com", "primary": True}],
        },
    )
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]
    found = httpx.get(f"{base}/api/v1/customers", params={"q": "555-014"}, headers=headers).json()
    assert customer_id in [c["id"] for c in found["items"]]

    assert customer_id in _created_event_ids(platform["nats_url"])
    _assert_one_trace(platform["var"] / "traces.jsonl")


def _created_event_ids(nats_url: str, timeout: float = 20.0) -> set[str]:
    import asyncio

    import nats
    from moodline.events.v1 import customer_pb2 as customer_events
    from moodline.events.v1 import envelope_pb2
    from moodline_kit.events import unpack

    async def read() -> set[str]:
        nc = await nats.connect(nats_url)
        ids: set[str] = set()
        try:
            js = nc.jetstream()
            sub = await js.subscribe(
                "customer.customer.created", stream="CUSTOMER", ordered_consumer=True
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    msg = await sub.next_msg(timeout=1)
                except TimeoutError:
                    if ids:
                        break
                    continue
                envelope = envelope_pb2.EventEnvelope.FromString(msg.data)
                ids.add(unpack(envelope, customer_events.CustomerCreated).customer.id)
        finally:
            await nc.close()
        return ids

    return asyncio.run(read())


def _assert_one_trace(path: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        spans = (
            [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        )
        servers = [
            s
            for s in spans
            if s["service"] == "customer"
            and s["kind"] == "SERVER"
            and s["name"].endswith("CustomerService/CreateCustomer")
        ]
        gateways = {
            s["trace_id"]
            for s in spans
            if s["service"] == "gateway" and s["kind"] == "SERVER" and "POST" in s["name"]
        }
        linked = [s for s in servers if s["trace_id"] in gateways]
        if linked:
            break
        assert time.monotonic() < deadline, f"no gateway->customer trace in {len(spans)} spans"
        time.sleep(0.5)
    span = linked[-1]
    by_id = {s["span_id"]: s for s in spans}
    parent = by_id.get(span["parent_span_id"])
    assert parent is not None and parent["service"] == "gateway", "customer span's parent"
    assert parent["kind"] == "CLIENT" and parent["trace_id"] == span["trace_id"]


def test_an_ingested_message_creates_a_prospect_and_is_searchable(platform):
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    message = {
        "provider_message_id": f"SM{uuid.uuid4().hex}",
        "channel": "sms",
        "customer": {"phone": "+1 628 555 0177", "display_name": "E2E Caller"},
        "direction": "inbound",
        "author": "customer",
        "text": "Hello, checking on order #98765 please",
        "sent_at": "2026-11-20T10:00:00Z",
    }
    ingested = httpx.post(f"{base}/api/v1/conversations/messages", headers=headers, json=message)
    assert ingested.status_code == 202, ingested.text
    out = ingested.json()
    assert out["customer_created"] and not out["duplicate"]
    again = httpx.post(f"{base}/api/v1/conversations/messages", headers=headers, json=message)
    assert again.json()["duplicate"] and again.json()["message_id"] == out["message_id"]
    prospect = httpx.get(f"{base}/api/v1/customers/{out['customer_id']}", headers=headers).json()
    assert prospect["lifecycle_stage"] == "prospect"
    found = httpx.get(
        f"{base}/api/v1/conversations/messages/search",
        params={"q": "order #98765"},
        headers=headers,
    ).json()
    assert [h["message"]["id"] for h in found["items"]] == [out["message_id"]]
    assert found["customer_ids"] == [out["customer_id"]]


def test_an_ingested_frustrated_message_is_scored_by_the_model(platform):
    """conversation service -> JetStream -> sentiment service -> Triton -> stored score and
    customer sentiment, read back through the gateway."""
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    message = {
        "provider_message_id": f"SM{uuid.uuid4().hex}",
        "channel": "sms",
        "customer": {"phone": "+1 628 555 0188", "display_name": "Angry E2E"},
        "direction": "inbound",
        "author": "customer",
        "text": "This is unacceptable. Third time my refund is late and nobody answers. "
        "I am furious and fed up with you.",
        "sent_at": "2026-11-20T11:00:00Z",
    }
    ingested = httpx.post(f"{base}/api/v1/conversations/messages", headers=headers, json=message)
    assert ingested.status_code == 202, ingested.text
    out = ingested.json()
    deadline = time.monotonic() + 60
    while True:
        scored = httpx.get(f"{base}/api/v1/sentiment/messages/{out['message_id']}", headers=headers)
        if scored.status_code == 200:
            break
        assert scored.status_code == 404, scored.text  # not scored yet
        assert time.monotonic() < deadline, "message not scored within 60 s"
        time.sleep(0.5)
    body = scored.json()
    assert body["customer_id"] == out["customer_id"]
    assert body["sentiment"]["label"] == "Frustrated" and body["sentiment"]["score"] < 0
    assert body["model_version"]
    customer = httpx.get(
        f"{base}/api/v1/sentiment/customers/{out['customer_id']}", headers=headers
    ).json()
    assert customer["message_count"] == 1
    assert customer["sentiment"]["label"] == "Frustrated" and customer["source"] == "model"


def test_analyze_through_the_platform(platform):
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    texts = [
        "Thank you so much, the massage was wonderful and the staff were lovely!",
        "My order arrived broken again and support keeps ignoring me. Absolutely furious.",
    ]
    reply = httpx.post(
        f"{base}/api/v1/sentiment/analyze", headers=headers, json={"texts": texts}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    happy, frustrated = reply.json()["results"]
    assert happy["label"] == "Happy" and frustrated["label"] == "Frustrated"
    assert frustrated["emotions"]["frustration"] > happy["emotions"]["frustration"]
    bad = httpx.post(
        f"{base}/api/v1/sentiment/analyze", headers=headers, json={"texts": ["ok", " "]}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["texts[1]"]


def _listening() -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket, as `ss -ltn` shows them."""
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        local = line.split()[3]  # State Recv-Q Send-Q Local:Port Peer:Port
        address, _, port = local.rpartition(":")
        found.append((address.strip("[]"), int(port)))
    return found


def _loopback(address: str) -> bool:
    if address == "*":  # every interface
        return False
    ip = ipaddress.ip_address(address.split("%")[0])
    mapped = getattr(ip, "ipv4_mapped", None)  # gRPC's dual-stack socket: ::ffff:127.0.0.1
    return (mapped or ip).is_loopback


def test_services_and_triton_listen_on_loopback_only(platform):
    ours = [(a, p) for a, p in _listening() if p in platform["listening_ports"]]
    # every service, the gateway and Triton's three ports are up and listening...
    assert {p for _, p in ours} == platform["listening_ports"], ours
    # ...on the loopback interface only: nothing of the local platform is reachable from the
    # network (0.0.0.0, ::, or a LAN address would be).
    exposed = [(a, p) for a, p in ours if not _loopback(a)]
    assert not exposed, f"listening beyond loopback: {exposed}"


def test_grpc_reflection_is_off(platform):
    import grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    for port in platform["grpc_ports"]:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            request = reflection_pb2.ServerReflectionRequest(list_services="")
            with pytest.raises(grpc.RpcError) as refused:
                list(stub.ServerReflectionInfo(iter([request]), timeout=5))
            assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED


def test_a_customer_turning_frustrated_gets_tag_task_and_manager_mail_once(platform):
    """The demo workflow end to end: an ingested message -> conversation service -> JetStream
    -> sentiment (Triton) -> sentiment.customer.changed -> automation trigger -> Celery worker
    -> customer service (tag), task, conversation service -> SMTP server (var/mail)."""
    from moodline_devkit.mail import read_inbox

    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    created = httpx.post(
        f"{base}/api/v1/customers",
        headers=headers,
        json={
            "first_name": "Frieda",
            "last_name": f"Furious{uuid.uuid4().hex[:4]}",
            "phones": [{"number": "+1 628 555 0166", "primary": True}],
            "emails": [{"address": "frieda@example.com", "primary": True}],
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    assigned = httpx.patch(
        f"{base}/api/v1/customers/{customer['id']}",
        headers={**headers, "If-Match": created.headers["etag"]},
        json={"workers": ["staff-frieda"]},
    )
    assert assigned.status_code == 200, assigned.text
    name = f"{customer['first_name']} {customer['last_name']}"
    message = {
        "provider_message_id": f"SM{uuid.uuid4().hex}",
        "channel": "sms",
        "customer": {"phone": "+1 628 555 0166"},
        "direction": "inbound",
        "author": "customer",
        "text": "Third time my booking was lost. Nobody calls back. I am furious and done "
        "with this salon.",
        "sent_at": "2026-11-21T09:00:00Z",
    }
    ingested = httpx.post(f"{base}/api/v1/conversations/messages", headers=headers, json=message)
    assert ingested.status_code == 202, ingested.text
    assert ingested.json()["customer_id"] == customer["id"]

    def mails() -> list:
        return [
            m
            for m in read_inbox(Path(platform["mail_inbox"]))
            if m["Subject"] == f"{name} turned Frustrated"
        ]

    deadline = time.monotonic() + 120
    while True:
        profile = httpx.get(f"{base}/api/v1/customers/{customer['id']}", headers=headers).json()
        if "needs-attention" in profile["tags"] and mails():
            break
        assert time.monotonic() < deadline, f"the workflow did not act within 120 s: {profile}"
        time.sleep(0.5)
    [automation_id] = platform["demo_automations"]
    runs = httpx.get(
        f"{base}/api/v1/automations/{automation_id}/runs",
        params={"customer_id": customer["id"]},
        headers=headers,
    ).json()["items"]
    assert [r["status"] for r in runs] == ["succeeded"]
    assert runs[0]["trigger"] == "sentiment.turned_frustrated"
    time.sleep(3)  # anything that would act twice has had its chance
    profile = httpx.get(f"{base}/api/v1/customers/{customer['id']}", headers=headers).json()
    assert profile["tags"].count("needs-attention") == 1
    tasks = httpx.get(
        f"{base}/api/v1/tasks", params={"customer_id": customer["id"]}, headers=headers
    ).json()["items"]
    assert len(tasks) == 1 and tasks[0]["owner_id"] == "staff-frieda"
    assert tasks[0]["title"] == f"Call {name} back: turned Frustrated"
    [mail] = mails()
    assert mail["To"] == "manager@demo-salon.example"


def test_one_request_is_one_trace_over_otlp_from_the_gateway_to_triton_and_celery(
    platform, otlp_collector
):
    """The trace context of one ingest call (our traceparent) travels gateway -> gRPC ->
    outbox/NATS -> sentiment consumer -> Triton, and on through the frustrated message's
    sentiment event -> the automation consumer -> the Celery task that executes the demo
    automation's run; every process exports its spans over OTLP to the collector."""
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    trace_id = secrets.token_hex(16)
    phone = f"+1 628 555 {secrets.randbelow(9000) + 1000}"
    created = httpx.post(
        f"{base}/api/v1/customers",
        headers=headers,
        json={"first_name": "Otto", "phones": [{"number": phone, "primary": True}]},
    )
    assert created.status_code == 201, created.text
    ingested = httpx.post(
        f"{base}/api/v1/conversations/messages",
        headers={**headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        json={
            "provider_message_id": f"SM{uuid.uuid4().hex}",
            "channel": "sms",
            "customer": {"phone": phone},
            "direction": "inbound",
            "author": "customer",
            "text": "Third time my booking was lost. Nobody calls back. I am furious and done.",
            "sent_at": "2026-11-21T09:00:00Z",
        },
    )
    assert ingested.status_code == 202, ingested.text

    def hops(spans: list) -> dict[str, bool]:
        return {
            "gateway": any(s.service == "gateway" and s.kind == "server" for s in spans),
            "grpc": any(
                s.service == "conversation" and s.kind == "server" and "IngestMessage" in s.name
                for s in spans
            ),
            # the sentiment service consumes in batches: its span names the consumer
            # ("sentiment-scoring process batch"), one per fetched batch, in this trace
            "nats consumer": any(
                s.service == "sentiment" and s.kind == "consumer" and "sentiment-scoring" in s.name
                for s in spans
            ),
            "triton": any(
                s.service == "sentiment" and s.kind == "client" and "ModelInfer" in s.name
                for s in spans
            ),
            # the automation service enqueues the run (a producer span) and its Celery worker
            # executes it: the worker's span continues the trace the task message carries
            "celery": any(
                s.service == "automation" and s.kind == "producer" and "execute_run" in s.name
                for s in spans
            )
            and any(
                s.service == "automation"
                and s.kind == "consumer"
                and s.name == "run/automation.execute_run"
                for s in spans
            ),
        }

    def roots(spans):  # type: ignore[no-untyped-def]
        ids = {s.span_id for s in spans}
        return [s for s in spans if s.parent_span_id not in ids]

    # A span is exported when it ends: a parent (the consumer's batch span) still open when its
    # children arrive leaves them parentless until it ends, so wait for the tree to close too.
    deadline = time.monotonic() + 120
    while True:
        spans = otlp_collector.trace(trace_id)
        if all(hops(spans).values()) and len(roots(spans)) == 1:
            break
        if time.monotonic() > deadline:
            seen = sorted({(s.service, s.kind, s.name) for s in spans})
            orphans = sorted({(s.service, s.name) for s in roots(spans)})
            raise AssertionError(
                f"missing hops {hops(spans)} or {len(orphans)} roots {orphans}; trace: {seen}"
            )
        time.sleep(0.5)
    assert roots(spans)[0].service == "gateway"  # one tree, under the gateway span


def test_every_process_serves_prometheus_metrics(platform):
    """RED per service, queue depth (outbox), consumer lag, Celery tasks and Triton latency."""
    base, headers = platform["gateway_url"], {"Authorization": f"Bearer {platform['api_key']}"}
    assert httpx.get(f"{base}/api/v1/customers?limit=1", headers=headers).status_code == 200
    assert (
        httpx.post(
            f"{base}/api/v1/sentiment/analyze", headers=headers, json={"texts": ["Lovely, thanks"]}
        ).status_code
        == 200
    )

    def scrape(program: str) -> str:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(platform["metrics"][program], timeout=5)
                if r.status_code == 200:
                    return r.text
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{program}: no /metrics"
            time.sleep(0.5)

    def has(text: str, sample: str) -> bool:
        return any(line.startswith(sample) for line in text.splitlines())

    gateway = scrape("gateway")
    assert has(gateway, 'moodline_http_server_handling_seconds_count{method="GET",route=')
    for service in ("customer", "conversation", "sentiment", "billing", "loyalty", "automation"):
        text = scrape(service)
        assert has(text, "moodline_grpc_server_handling_seconds_count{"), service
        assert has(text, "moodline_outbox_pending_events "), service
    sentiment = scrape("sentiment")
    assert has(sentiment, 'moodline_triton_infer_seconds_count{outcome="ok"}')
    assert has(sentiment, "moodline_consumer_pending_messages{")
    assert has(scrape("automation-worker"), "moodline_celery_task_seconds")
    assert has(scrape("triton"), "nv_inference_request_duration_us{")


def test_ctrl_c_stops_everything_cleanly(platform):
    proc = platform["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(90) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(platform["gateway_url"] + "/healthz", timeout=2)
    # tritonserver (and its Python-backend stubs) stopped too.
    port = platform["triton_grpc_port"]
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"--grpc-port={port}" not in ps
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}", timeout=2)
