"""The authorization matrix: every endpoint x every role x {own tenant, other tenant, forbidden
folder}. Staff users of each role are limited to folder A (no unfoldered customers); the
expected status every time is: 403 when the role lacks the permission (docs/permissions.md),
404 for another tenant's object or a customer in folder B, success for their own. Lists, search,
stats and folders never show or count folder B or the other tenant; nor do the billing lists,
tasks and automation runs. Services that keep no folders (billing, loyalty, automation) are
reached through the gateway's guarded stubs (gateway/visibility.py)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
import pytest_asyncio
from gateway.auth import Role
from gateway.permissions import MATRIX, Permission

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "correct horse battery"
P = Permission

# (method, path, permission, the id kind in the path, body)
ROUTES: list[tuple[str, str, Permission, str | None, dict | None]] = [
    ("GET", "/api/v1/customers", P.CUSTOMERS_READ, None, None),
    ("POST", "/api/v1/customers", P.CUSTOMERS_WRITE, None, {"first_name": "New"}),
    ("GET", "/api/v1/customers/stats", P.CUSTOMERS_READ, None, None),
    ("GET", "/api/v1/customers/{customer}", P.CUSTOMERS_READ, "customer", None),
    ("PATCH", "/api/v1/customers/{customer}", P.CUSTOMERS_WRITE, "customer", {"company": "X"}),
    ("POST", "/api/v1/customers/{customer}/tags", P.CUSTOMERS_WRITE, "customer", {"add": ["t"]}),
    (
        "POST",
        "/api/v1/customers/{customer}/consents",
        P.CUSTOMERS_WRITE,
        "customer",
        {"kind": "marketing", "granted": True},
    ),
    ("GET", "/api/v1/customers/{customer}/consents", P.CUSTOMERS_READ, "customer", None),
    ("POST", "/api/v1/customers/{customer}/notes", P.CUSTOMERS_WRITE, "customer", {"text": "n"}),
    ("GET", "/api/v1/customers/{customer}/notes", P.CUSTOMERS_READ, "customer", None),
    ("GET", "/api/v1/customers/{customer}/timeline", P.CUSTOMERS_READ, "customer", None),
    (
        "PUT",
        "/api/v1/customers/{customer}/children/{child}",
        P.CUSTOMERS_WRITE,
        "customer",
        {"label": "employee"},
    ),
    (
        "DELETE",
        "/api/v1/customers/{customer}/children/{child}",
        P.CUSTOMERS_WRITE,
        "customer",
        None,
    ),
    ("DELETE", "/api/v1/customers/{customer}?confirm=true", P.CUSTOMERS_DELETE, "customer", None),
    # duplicates, merges, GDPR (a merge or an erasure of one's own acts on fresh customers)
    ("GET", "/api/v1/customers/duplicates", P.CUSTOMERS_READ, None, None),
    (
        "GET",
        "/api/v1/customers/{customer}/merge-preview?duplicate_id={child}",
        P.CUSTOMERS_MERGE,
        "customer",
        None,
    ),
    ("POST", "/api/v1/customers/{customer}/merge", P.CUSTOMERS_MERGE, "customer", "merge"),
    ("GET", "/api/v1/customers/{customer}/export", P.CUSTOMERS_EXPORT_DATA, "customer", None),
    (
        "POST",
        "/api/v1/customers/{customer}/erase",
        P.CUSTOMERS_ERASE,
        "customer",
        {"confirm": True},
    ),
    ("GET", "/api/v1/customers/operations/{operation}", P.CUSTOMERS_READ, "operation", None),
    ("GET", "/api/v1/custom-fields", P.SETTINGS_READ, None, None),
    ("PUT", "/api/v1/custom-fields/visits", P.SETTINGS_WRITE, None, {"type": "number"}),
    ("GET", "/api/v1/settings/customers", P.SETTINGS_READ, None, None),
    ("PATCH", "/api/v1/settings/customers", P.SETTINGS_WRITE, None, {"recent_days": 30}),
    ("GET", "/api/v1/settings/sentiment", P.SETTINGS_READ, None, None),
    (
        "PATCH",
        "/api/v1/settings/sentiment",
        P.SETTINGS_WRITE,
        None,
        {"reply_target_minutes": {"sms": 60}},
    ),
    ("GET", "/api/v1/folders", P.FOLDERS_READ, None, None),
    ("POST", "/api/v1/folders", P.FOLDERS_MANAGE, None, {"name": "F"}),
    ("PATCH", "/api/v1/folders/{folder}", P.FOLDERS_MANAGE, "folder", {"colour": "#112233"}),
    ("DELETE", "/api/v1/folders/{folder}", P.FOLDERS_MANAGE, "folder", None),
    ("GET", "/api/v1/conversations", P.CONVERSATIONS_READ, None, None),
    ("GET", "/api/v1/conversations?customer_id={customer}", P.CONVERSATIONS_READ, "customer", None),
    ("GET", "/api/v1/conversations/{conversation}", P.CONVERSATIONS_READ, "conversation", None),
    (
        "PATCH",
        "/api/v1/conversations/{conversation}",
        P.CONVERSATIONS_WRITE,
        "conversation",
        {"topic": "billing"},
    ),
    (
        "POST",
        "/api/v1/conversations/{conversation}/close",
        P.CONVERSATIONS_WRITE,
        "conversation",
        {},
    ),
    ("GET", "/api/v1/conversations/messages/search?q=matrix", P.CONVERSATIONS_READ, None, None),
    ("POST", "/api/v1/conversations/messages", P.CONVERSATIONS_WRITE, None, "message"),
    ("POST", "/api/v1/conversations/messages/batch", P.CONVERSATIONS_WRITE, None, "batch"),
    ("POST", "/api/v1/sentiment/analyze", P.SENTIMENT_ANALYZE, None, {"texts": ["fine"]}),
    ("GET", "/api/v1/sentiment/customers/{customer}", P.SENTIMENT_READ, "customer", None),
    ("GET", "/api/v1/sentiment/messages/{message}", P.SENTIMENT_READ, "message", None),
    (
        "PUT",
        "/api/v1/sentiment/customers/{customer}/override",
        P.SENTIMENT_OVERRIDE,
        "customer",
        {"label": "Happy", "reason": "called back"},
    ),
    (
        "DELETE",
        "/api/v1/sentiment/customers/{customer}/override",
        P.SENTIMENT_OVERRIDE,
        "customer",
        None,
    ),
    ("GET", "/api/v1/imports/template", P.CUSTOMERS_IMPORT, None, None),
    ("POST", "/api/v1/imports", P.CUSTOMERS_IMPORT, None, "upload"),
    ("GET", "/api/v1/imports/{import}", P.CUSTOMERS_IMPORT, "import", None),
    ("GET", "/api/v1/imports/{import}/errors", P.CUSTOMERS_IMPORT, "import", None),
    ("GET", "/api/v1/imports/{import}/duplicates", P.CUSTOMERS_IMPORT, "import", None),
    ("POST", "/api/v1/imports/{import}/run", P.CUSTOMERS_IMPORT, "import", {}),
    ("POST", "/api/v1/imports/{import}/cancel", P.CUSTOMERS_IMPORT, "import", None),
    ("POST", "/api/v1/exports", P.CUSTOMERS_EXPORT, None, {"format": "csv"}),
    ("GET", "/api/v1/exports/{export}", P.CUSTOMERS_EXPORT, "export", None),
    ("GET", "/api/v1/audit", P.AUDIT_READ, None, None),
    ("GET", "/api/v1/users", P.USERS_MANAGE, None, None),
    ("POST", "/api/v1/users", P.USERS_MANAGE, None, "user"),
    ("GET", "/api/v1/users/{user}", P.USERS_MANAGE, "user", None),
    ("PATCH", "/api/v1/users/{user}", P.USERS_MANAGE, "user", {"name": "Renamed"}),
    ("GET", "/api/v1/api-keys", P.API_KEYS_MANAGE, None, None),
    ("POST", "/api/v1/api-keys", P.API_KEYS_MANAGE, None, {"name": "k", "role": "viewer"}),
    ("DELETE", "/api/v1/api-keys/{key}", P.API_KEYS_MANAGE, "key", None),
    # outbound messages
    (
        "POST",
        "/api/v1/customers/{customer}/messages",
        P.CONVERSATIONS_WRITE,
        "customer",
        {"channel": "sms", "text": "Your table is ready"},
    ),
    # automations, runs, tasks
    ("POST", "/api/v1/automations", P.AUTOMATIONS_MANAGE, None, "automation"),
    ("GET", "/api/v1/automations", P.AUTOMATIONS_READ, None, None),
    ("GET", "/api/v1/automations/{automation}", P.AUTOMATIONS_READ, "automation", None),
    (
        "PATCH",
        "/api/v1/automations/{automation}",
        P.AUTOMATIONS_MANAGE,
        "automation",
        {"description": "checked"},
    ),
    ("DELETE", "/api/v1/automations/{automation}", P.AUTOMATIONS_MANAGE, "automation", None),
    ("POST", "/api/v1/automations/{automation}/enable", P.AUTOMATIONS_MANAGE, "automation", None),
    ("POST", "/api/v1/automations/{automation}/disable", P.AUTOMATIONS_MANAGE, "automation", None),
    (
        "POST",
        "/api/v1/automations/{automation}/dry-run",
        P.AUTOMATIONS_READ,
        "customer",
        "dry-run",
    ),
    ("GET", "/api/v1/automations/{automation}/runs", P.AUTOMATIONS_READ, "automation", None),
    ("GET", "/api/v1/automation-runs/{run}", P.AUTOMATIONS_READ, "run", None),
    ("POST", "/api/v1/automation-runs/{run}/retry", P.AUTOMATIONS_RUN, "run", None),
    (
        "POST",
        "/api/v1/customers/{customer}/automations/{automation}/run",
        P.AUTOMATIONS_RUN,
        "customer",
        None,
    ),
    ("POST", "/api/v1/tasks", P.TASKS_WRITE, "customer", "task"),
    ("GET", "/api/v1/tasks", P.TASKS_READ, None, None),
    ("GET", "/api/v1/tasks/{task}", P.TASKS_READ, "task", None),
    ("PATCH", "/api/v1/tasks/{task}", P.TASKS_WRITE, "task", {"title": "Call back today"}),
    ("DELETE", "/api/v1/tasks/{task}", P.TASKS_WRITE, "task", None),
    # billing
    ("GET", "/api/v1/settings/billing", P.SETTINGS_READ, None, None),
    ("PUT", "/api/v1/settings/billing", P.SETTINGS_WRITE, None, {"currency": "USD"}),
    ("GET", "/api/v1/services", P.BILLING_READ, None, None),
    ("POST", "/api/v1/services", P.BILLING_MANAGE, None, "service"),
    ("GET", "/api/v1/services/{service}", P.BILLING_READ, "service", None),
    ("GET", "/api/v1/staff", P.BILLING_READ, None, None),
    ("POST", "/api/v1/staff", P.BILLING_MANAGE, None, {"name": "Mia"}),
    ("GET", "/api/v1/staff/{staff}", P.BILLING_READ, "staff", None),
    ("POST", "/api/v1/bookings", P.BILLING_WRITE, "customer", "booking"),
    ("GET", "/api/v1/bookings", P.BILLING_READ, None, None),
    ("GET", "/api/v1/bookings/{booking}", P.BILLING_READ, "booking", None),
    ("PATCH", "/api/v1/bookings/{booking}", P.BILLING_WRITE, "booking", {"notes": "window seat"}),
    ("POST", "/api/v1/bookings/{booking}/confirm", P.BILLING_WRITE, "booking", None),
    ("POST", "/api/v1/bookings/{booking}/complete", P.BILLING_WRITE, "booking", None),
    ("POST", "/api/v1/bookings/{booking}/no-show", P.BILLING_WRITE, "booking", None),
    ("POST", "/api/v1/bookings/{booking}/cancel", P.BILLING_WRITE, "booking", None),
    ("POST", "/api/v1/invoices", P.BILLING_WRITE, "customer", "invoice"),
    ("GET", "/api/v1/invoices", P.BILLING_READ, None, None),
    ("GET", "/api/v1/invoices/{invoice}", P.BILLING_READ, "invoice", None),
    ("POST", "/api/v1/invoices/{invoice}/issue", P.BILLING_WRITE, "invoice", None),
    ("POST", "/api/v1/invoices/{invoice}/void", P.BILLING_MANAGE, "invoice", {"reason": "dup"}),
    ("POST", "/api/v1/quotes", P.BILLING_WRITE, "customer", "invoice"),
    ("GET", "/api/v1/quotes", P.BILLING_READ, None, None),
    ("GET", "/api/v1/quotes/{quote}", P.BILLING_READ, "quote", None),
    ("POST", "/api/v1/quotes/{quote}/decline", P.BILLING_WRITE, "quote", None),
    ("POST", "/api/v1/quotes/{quote}/convert", P.BILLING_WRITE, "quote", None),
    ("POST", "/api/v1/payments", P.BILLING_WRITE, "customer", "payment"),
    ("GET", "/api/v1/payments", P.BILLING_READ, None, None),
    ("GET", "/api/v1/payments/{payment}", P.BILLING_READ, "payment", None),
    (
        "POST",
        "/api/v1/payments/{payment}/refund",
        P.BILLING_MANAGE,
        "payment",
        {"amount_minor": 1},
    ),
    ("POST", "/api/v1/subscriptions", P.BILLING_WRITE, "customer", "subscription"),
    ("GET", "/api/v1/subscriptions", P.BILLING_READ, None, None),
    ("GET", "/api/v1/subscriptions/{subscription}", P.BILLING_READ, "subscription", None),
    (
        "POST",
        "/api/v1/subscriptions/{subscription}/cancel",
        P.BILLING_WRITE,
        "subscription",
        {"at_period_end": True},
    ),
    ("GET", "/api/v1/customers/{customer}/value", P.BILLING_READ, "customer", None),
    ("POST", "/api/v1/orders", P.BILLING_WRITE, "customer", "order"),
    ("GET", "/api/v1/orders", P.BILLING_READ, None, None),
    ("GET", "/api/v1/orders/{order}", P.BILLING_READ, "order", None),
    ("POST", "/api/v1/orders/{order}/cancel", P.BILLING_WRITE, "order", None),
    ("POST", "/api/v1/webhooks/payments/manual/endpoint", P.BILLING_MANAGE, None, None),
    # loyalty
    ("POST", "/api/v1/loyalty/programs", P.LOYALTY_MANAGE, None, "program"),
    ("GET", "/api/v1/loyalty/programs", P.LOYALTY_READ, None, None),
    ("GET", "/api/v1/loyalty/programs/{program}", P.LOYALTY_READ, "program", None),
    (
        "PATCH",
        "/api/v1/loyalty/programs/{program}",
        P.LOYALTY_MANAGE,
        "program",
        {"description": "checked"},
    ),
    ("POST", "/api/v1/loyalty/programs/{program}/archive", P.LOYALTY_MANAGE, "program", None),
    (
        "POST",
        "/api/v1/loyalty/programs/{program}/enrolments:bulk",
        P.LOYALTY_MANAGE,
        "customer",
        "bulk",
    ),
    ("GET", "/api/v1/customers/{customer}/loyalty", P.LOYALTY_READ, "customer", None),
    ("POST", "/api/v1/customers/{customer}/loyalty", P.LOYALTY_ADJUST, "customer", "enrol"),
    ("GET", "/api/v1/loyalty/enrolments/{enrolment}", P.LOYALTY_READ, "enrolment", None),
    (
        "PATCH",
        "/api/v1/loyalty/enrolments/{enrolment}",
        P.LOYALTY_ADJUST,
        "enrolment",
        {"notes": "regular"},
    ),
    (
        "DELETE",
        "/api/v1/loyalty/enrolments/{enrolment}?confirm=true",
        P.LOYALTY_MANAGE,
        "enrolment",
        None,
    ),
    (
        "POST",
        "/api/v1/loyalty/enrolments/{enrolment}/adjustments",
        P.LOYALTY_ADJUST,
        "enrolment",
        "adjustment",
    ),
    ("GET", "/api/v1/loyalty/enrolments/{enrolment}/ledger", P.LOYALTY_READ, "enrolment", None),
]
# Any valid credential; no credential (they issue one, or a provider signs the body: payment
# webhooks, delivery callbacks, tested in test_billing_api / test_messages_api); the stream
# (test_events_stream).
UNRESTRICTED = {
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/api/v1/events"),
    ("POST", "/api/v1/webhooks/payments/{provider}"),
    ("POST", "/api/v1/channel-callbacks/provider/{tenant_id}"),
    # its signed, expiring token is the credential (test_imports_exports_api)
    ("GET", "/api/v1/exports/{export_id}/download"),
}
# Objects of the whole tenant, in no folder: a folder-limited user reaches those of its tenant.
TENANT_WIDE = frozenset(
    {"user", "key", "import", "export", "service", "staff", "program", "automation"}
)
# Deletes and archives act on a fresh object of the user's own (later cases keep theirs).
FRESH = frozenset(
    {
        ("DELETE", "customer"),
        ("DELETE", "folder"),
        ("DELETE", "key"),
        ("DELETE", "task"),
        ("DELETE", "automation"),
        ("DELETE", "enrolment"),
        ("POST", "program"),
    }
)


@dataclass
class World:
    """Tenant T (folders A and B), another tenant O, and one signed-in user per role of T
    limited to folder A."""

    admin: dict[str, str]  # T's admin API key
    users: dict[Role, dict[str, str]]
    user_ids: dict[Role, str]
    ids: dict[str, dict[str, str]]  # target -> kind -> id


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _upload() -> dict:
    return {"file": ("m.csv", b"First Name,Phone\nAnn,(415) 555-0100\n", "text/csv")}


def _message(phone: str) -> dict:
    return {
        "provider_message_id": uuid.uuid4().hex,
        "channel": "sms",
        "customer": {"phone": phone},
        "direction": "inbound",
        "author": "customer",
        "text": "matrix check: the booking was fine",
        "sent_at": "2026-11-22T10:00:00Z",
    }


async def _target(gw, headers, phone: str, folder: str | None) -> dict[str, str]:
    """A customer (in `folder`) with a conversation, a message, a child, a user and a key."""
    got = (
        await gw.client.post(
            "/api/v1/conversations/messages", headers=headers, json=_message(phone)
        )
    ).json()
    cid = got["customer_id"]
    if folder:
        await gw.move_to_folder(headers, cid, folder)
    child = await gw.client.post("/api/v1/customers", headers=headers, json={"first_name": "Kid"})
    if folder:
        await gw.move_to_folder(headers, child.json()["id"], folder)
    own_folder = await gw.client.post(
        "/api/v1/folders", headers=headers, json={"name": f"tmp-{uuid.uuid4().hex[:6]}"}
    )
    user = await gw.client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "email": f"m-{uuid.uuid4().hex[:10]}@example.com",
            "password": PASSWORD,
            "name": "T",
            "role": "viewer",
        },
    )
    key = await gw.client.post(
        "/api/v1/api-keys", headers=headers, json={"name": "t", "role": "viewer"}
    )
    upload = await gw.client.post("/api/v1/imports", headers=headers, files=_upload())
    export = await gw.client.post("/api/v1/exports", headers=headers, json={"format": "json"})
    ids = {
        "import": upload.json()["id"],
        "export": export.json()["id"],
        "customer": cid,
        "child": child.json()["id"],
        "conversation": got["conversation_id"],
        "message": got["message_id"],
        "folder": folder or own_folder.json()["id"],
        "user": user.json()["id"],
        "key": key.json()["id"],
    }
    # a GDPR erasure of another customer of the same folder: an operation to read
    erased = await _created(gw, headers, "/api/v1/customers", {"first_name": "Gone"})
    if folder:
        await gw.move_to_folder(headers, erased, folder)
    ids["operation"] = await _created(
        gw, headers, f"/api/v1/customers/{erased}/erase", {"confirm": True}
    )
    return ids | await _service_objects(gw, headers, cid)


async def _created(gw, headers, path: str, body: dict | None) -> str:
    r = await gw.client.post(path, headers=headers, json=body)
    assert r.status_code in (200, 201, 202), (path, r.text)
    return r.json()["id"]


def _body(kind: str, ids: dict[str, str]) -> dict:
    """A valid body of each kind for the customer (and tenant objects) of `ids`."""
    cid = ids["customer"]
    unique = uuid.uuid4().hex[:8]
    hour = uuid.uuid4().int % 5000
    items = [{"description": "Repair", "quantity": 1, "unit_price_minor": 5_000}]
    return {
        "automation": {
            "name": f"matrix {unique}",
            "trigger": {"type": "manual"},
            "actions": [{"type": "add_tag", "tag": "matrix"}],
        },
        "task": {"customer_id": cid, "title": "Call back"},
        "merge": {"duplicate_id": ids.get("child", "")},
        "service": {
            "name": f"Cut {unique}",
            "duration_minutes": 30,
            "price_minor": 4_000,
            "currency": "USD",
        },
        "booking": {
            "customer_id": cid,
            "starts_at": f"2028-01-01T{hour % 24:02d}:00:00Z",
            "ends_at": f"2028-01-01T{hour % 24:02d}:30:00Z",
            "amount_minor": 5_000,
            "currency": "USD",
        },
        "invoice": {"customer_id": cid, "items": items, "currency": "USD"},
        "payment": {
            "customer_id": cid,
            "amount_minor": 10_000,
            "currency": "USD",
            "method": "cash",
        },
        "subscription": {
            "customer_id": cid,
            "plan_name": "Plan",
            "price_minor": 1_000,
            "currency": "USD",
            "interval": "monthly",
        },
        "order": {
            "customer_id": cid,
            "items": [{"service_id": ids.get("service", ""), "quantity": 1}],
        },
        "program": {"name": f"Points {unique}", "kind": "points"},
        "bulk": {"entries": [{"customer_id": cid}]},
        "enrol": {"program_id": ids.get("program", "")},
        "adjustment": {"points": 1, "reason": "earned", "idempotency_key": unique},
        "dry-run": {"customer_id": cid},
    }[kind]


async def _service_objects(gw, headers, cid: str) -> dict[str, str]:
    """The customer's booking, invoice, quote, payment, subscription, order, enrolment, task and
    automation run; the tenant's service, staff member, loyalty program and automation."""
    ids = {"customer": cid}
    ids["service"] = await _created(gw, headers, "/api/v1/services", _body("service", ids))
    ids["staff"] = await _created(gw, headers, "/api/v1/staff", {"name": "Ida"})
    ids["program"] = await _created(gw, headers, "/api/v1/loyalty/programs", _body("program", ids))
    ids["automation"] = await _created(gw, headers, "/api/v1/automations", _body("automation", ids))
    for kind, path in (
        ("booking", "/api/v1/bookings"),
        ("invoice", "/api/v1/invoices"),
        ("quote", "/api/v1/quotes"),
        ("payment", "/api/v1/payments"),
        ("subscription", "/api/v1/subscriptions"),
        ("order", "/api/v1/orders"),
        ("task", "/api/v1/tasks"),
    ):
        ids[kind] = await _created(gw, headers, path, _body(kind.replace("quote", "invoice"), ids))
    ids["enrolment"] = await _created(
        gw, headers, f"/api/v1/customers/{cid}/loyalty", _body("enrol", ids)
    )
    ids["run"] = await _created(
        gw, headers, f"/api/v1/customers/{cid}/automations/{ids['automation']}/run", None
    )
    return ids


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def world(sentiment_gateway) -> World:
    gw = sentiment_gateway
    t, o = await gw.tenant(), await gw.tenant()
    a = (await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "A"})).json()[
        "id"
    ]
    b = (await gw.client.post("/api/v1/folders", headers=t.headers, json={"name": "B"})).json()[
        "id"
    ]
    ids = {
        "own": await _target(gw, t.headers, "(415) 555-0171", a),
        "forbidden folder": await _target(gw, t.headers, "(415) 555-0172", b),
        "other tenant": await _target(gw, o.headers, "(415) 555-0173", None),
    }
    # the forbidden target's folder id stands for a folder of T the users may not see; the
    # messages are scored before the sentiment routes are asked about them
    for target, headers in (
        ("own", t.headers),
        ("forbidden folder", t.headers),
        ("other tenant", o.headers),
    ):
        for _ in range(600):
            r = await gw.client.get(
                f"/api/v1/sentiment/messages/{ids[target]['message']}", headers=headers
            )
            if r.status_code == 200:
                break
            await asyncio.sleep(0.1)
    users, user_ids = {}, {}
    for role in Role:
        email = f"matrix-{role}-{uuid.uuid4().hex[:8]}@example.com"
        r = await gw.client.post(
            "/api/v1/users",
            headers=t.headers,
            json={
                "email": email,
                "password": PASSWORD,
                "name": role.value,
                "role": role.value,
                "folders": [a],
                "unfoldered": False,
            },
        )
        assert r.status_code == 201, r.text
        user_ids[role] = r.json()["id"]
        login = await gw.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        users[role] = _bearer(login.json()["access_token"])
    return World(t.headers, users, user_ids, ids)


# Allowed: done, or refused for the object's state (closing a closed conversation, a stale
# ETag) -- never 401/403/404 and never 5xx.
ALLOWED = {200, 201, 202, 204, 409, 412}


def _expected(role: Role, permission: Permission, kind: str | None, target: str) -> set[int]:
    if permission not in MATRIX[role]:
        return {403}
    if kind is None or target == "own":
        return ALLOWED
    if target == "forbidden folder" and kind in TENANT_WIDE:
        return ALLOWED  # staff users, API keys, imports, the catalogue... are in no folder
    return {404}


async def _call(gw, world: World, role: Role, route, target: str) -> int:
    method, path, _, kind, body = route
    ids = world.ids[target]
    url = path.format(**ids)
    headers = dict(world.users[role])
    if body == "message":
        body = _message(f"(415) 555-{uuid.uuid4().int % 9000 + 1000}")
    elif body == "batch":
        body = {"messages": [_message(f"(415) 555-{uuid.uuid4().int % 9000 + 1000}")]}
    elif isinstance(body, str) and body not in ("user", "upload"):
        # tenant objects in a body (the order's service, the program) are the user's tenant's
        body = _body(body, {**world.ids["own"], "customer": ids["customer"]})
    elif body == "user":
        body = {
            "email": f"n-{uuid.uuid4().hex[:10]}@example.com",
            "password": PASSWORD,
            "name": "N",
            "role": "viewer",
        }
    if method == "PATCH" and kind == "customer":
        current = await gw.client.get(f"/api/v1/customers/{ids['customer']}", headers=world.admin)
        headers["If-Match"] = current.headers.get("etag", '"0"')
    verb = "POST" if path.endswith("/archive") else method
    if path.endswith(("/merge", "/erase")) and target == "own":
        return await _call_on_fresh(gw, world, role, route)
    if (verb, kind) in FRESH and (
        target == "own" or (kind in TENANT_WIDE and target != "other tenant")
    ):
        return await _call_on_fresh(gw, world, role, route)
    if body == "upload":
        r = await gw.client.post(url, headers=headers, files=_upload())
    else:
        r = await gw.client.request(method, url, headers=headers, json=body)
    assert r.status_code < 500, (role, method, url, r.text)
    return r.status_code


async def _call_on_fresh(gw, world: World, role: Role, route) -> int:
    """Deletes of one's own object act on a fresh one, so later cases still have theirs."""
    method, path, _, kind, _ = route
    a = world.ids["own"]["folder"]
    body = None
    if kind == "customer" and "children" not in path:
        fresh = []
        for _ in range(2 if path.endswith("/merge") else 1):
            r = await gw.client.post(
                "/api/v1/customers", headers=world.admin, json={"first_name": "D"}
            )
            fresh.append(r.json()["id"])
            await gw.move_to_folder(world.admin, fresh[-1], a)
        url = path.format(customer=fresh[0])
        if path.endswith("/merge"):
            body = {"duplicate_id": fresh[1]}
        elif path.endswith("/erase"):
            body = {"confirm": True}
    elif kind == "customer":
        url = path.format(**world.ids["own"])
    elif kind == "folder":
        # a fresh folder the user may see (added to their folders for this call)
        r = await gw.client.post(
            "/api/v1/folders", headers=world.admin, json={"name": f"d-{uuid.uuid4().hex[:6]}"}
        )
        fresh = r.json()["id"]
        user = f"/api/v1/users/{world.user_ids[role]}"
        await gw.client.patch(user, headers=world.admin, json={"folders": [a, fresh]})
        r = await gw.client.request(method, path.format(folder=fresh), headers=world.users[role])
        await gw.client.patch(user, headers=world.admin, json={"folders": [a]})
        assert r.status_code < 500, (role, method, r.text)
        return r.status_code
    elif kind == "key":
        r = await gw.client.post(
            "/api/v1/api-keys", headers=world.admin, json={"name": "d", "role": "viewer"}
        )
        url = path.format(key=r.json()["id"])
    else:  # task, automation, enrolment, program: a new one for the user's own customer
        own = world.ids["own"]
        fresh_program = await _created(
            gw, world.admin, "/api/v1/loyalty/programs", _body("program", own)
        )
        creations = {
            "task": ("/api/v1/tasks", "task"),
            "automation": ("/api/v1/automations", "automation"),
            "program": ("/api/v1/loyalty/programs", "program"),
            "enrolment": (f"/api/v1/customers/{own['customer']}/loyalty", "enrol"),
        }
        where, body_kind = creations[kind]
        fresh = await _created(
            gw, world.admin, where, _body(body_kind, {**own, "program": fresh_program})
        )
        url = path.format(**{kind: fresh})
    r = await gw.client.request(method, url, headers=world.users[role], json=body)
    assert r.status_code < 500, (role, method, url, r.text)
    return r.status_code


@pytest.mark.parametrize("role", list(Role), ids=str)
async def test_every_endpoint_for_every_role_and_target(sentiment_gateway, world, role) -> None:
    failures = []
    for route in ROUTES:
        method, path, permission, kind, _ = route
        targets = ["own"] if kind is None else ["own", "other tenant", "forbidden folder"]
        for target in targets:
            status = await _call(sentiment_gateway, world, role, route, target)
            expected = _expected(role, permission, kind, target)
            if status not in expected:
                failures.append(f"{role} {method} {path} [{target}]: {status} not in {expected}")
    assert not failures, "\n".join(failures)


async def test_lists_search_stats_and_folders_show_only_what_the_role_may_see(
    sentiment_gateway, world
) -> None:
    gw = sentiment_gateway
    forbidden = {world.ids["forbidden folder"]["customer"], world.ids["other tenant"]["customer"]}
    for role, headers in world.users.items():
        customers = (await gw.client.get("/api/v1/customers?limit=200", headers=headers)).json()
        seen = {c["id"] for c in customers["items"]}
        assert world.ids["own"]["customer"] in seen and not seen & forbidden, role
        stats = (await gw.client.get("/api/v1/customers/stats", headers=headers)).json()
        assert stats["total"] == len(seen), role
        convs = (await gw.client.get("/api/v1/conversations?limit=200", headers=headers)).json()
        assert not {c["customer_id"] for c in convs["items"]} & forbidden, role
        hits = (
            await gw.client.get("/api/v1/conversations/messages/search?q=matrix", headers=headers)
        ).json()
        assert not set(hits["customer_ids"]) & forbidden, role
        assert not {h["message"]["customer_id"] for h in hits["items"]} & forbidden, role
        folders = (await gw.client.get("/api/v1/folders", headers=headers)).json()["items"]
        assert world.ids["forbidden folder"]["folder"] not in {f["id"] for f in folders}, role
        for listing in ("bookings", "invoices", "quotes", "payments", "subscriptions", "orders"):
            r = await gw.client.get(f"/api/v1/{listing}?limit=200", headers=headers)
            if r.status_code == 403:
                continue
            named = {i["customer_id"] for i in r.json()["items"]}
            assert world.ids["own"]["customer"] in named and not named & forbidden, (role, listing)
        tasks = (await gw.client.get("/api/v1/tasks?limit=200", headers=headers)).json()["items"]
        named = {t["customer_id"] for t in tasks}
        assert world.ids["own"]["customer"] in named and not named & forbidden, role
        automation = world.ids["own"]["automation"]
        runs = await gw.client.get(f"/api/v1/automations/{automation}/runs", headers=headers)
        assert {r["customer_id"] for r in runs.json()["items"]} == {world.ids["own"]["customer"]}


async def test_the_matrix_names_every_endpoint(sentiment_gateway) -> None:
    spec = sentiment_gateway.app.openapi()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }

    def template(path: str) -> str:
        path = path.split("?")[0]
        for kind, name in (
            ("{customer}", "{customer_id}"),
            ("{child}", "{child_id}"),
            ("{conversation}", "{conversation_id}"),
            ("{message}", "{message_id}"),
            ("{folder}", "{folder_id}"),
            ("{user}", "{user_id}"),
            ("{key}", "{key_id}"),
            ("{import}", "{import_id}"),
            ("{export}", "{export_id}"),
            ("{operation}", "{operation_id}"),
            ("/visits", "/{key}"),
            ("/manual/", "/{provider}/"),
        ):
            path = path.replace(kind, name)
        return path

    def named(path: str) -> str:
        for kind in ("automation", "run", "task", "service", "staff", "booking", "invoice"):
            path = path.replace(f"{{{kind}}}", f"{{{kind}_id}}")
        for kind in ("quote", "payment", "subscription", "order", "program", "enrolment"):
            path = path.replace(f"{{{kind}}}", f"{{{kind}_id}}")
        return path

    covered = {(m, named(template(p))) for m, p, *_ in ROUTES} | UNRESTRICTED
    assert operations - covered == set()
