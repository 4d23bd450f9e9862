import asyncio

import pytest
from gateway.auth import Role

pytestmark = pytest.mark.integration

FRUSTRATED = {
    "name": "Frustrated customer",
    "enabled": True,
    "trigger": {"type": "sentiment.turned_frustrated"},
    "conditions": [{"field": "customer.lifecycle_stage", "op": "ne", "value": "churned"}],
    "actions": [
        {"type": "add_tag", "tag": "needs-attention"},
        {"type": "create_task", "title": "Call {{customer.first_name}}", "due_in_hours": 24},
        {
            "type": "send_message",
            "channel": "email",
            "staff_email": "manager@example.com",
            "subject": "{{customer.full_name}} is frustrated",
            "text": "Please look at this customer.",
        },
    ],
}


async def customer(gw, t, **extra):
    body = {"first_name": "Ann", "emails": [{"address": "ann@example.com", "primary": True}]}
    created = await gw.client.post("/api/v1/customers", json={**body, **extra}, headers=t.headers)
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def test_automation_lifecycle_through_the_api(automation_gateway):
    gw = automation_gateway
    t = await gw.tenant()
    created = await gw.client.post("/api/v1/automations", json=FRUSTRATED, headers=t.headers)
    assert created.status_code == 201, created.text
    auto = created.json()
    assert auto["id"] and auto["enabled"] and auto["actions"][0]["id"] == "a1"
    assert auto["actions"][1]["due_in_hours"] == 24
    url = f"/api/v1/automations/{auto['id']}"
    listed = await gw.client.get("/api/v1/automations", headers=t.headers)
    assert [a["id"] for a in listed.json()["items"]] == [auto["id"]]
    disabled = await gw.client.post(f"{url}/disable", headers=t.headers)
    assert disabled.json()["enabled"] is False and disabled.json()["version"] == 2
    stale = await gw.client.patch(
        url, json={"name": "Renamed"}, headers={**t.headers, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    renamed = await gw.client.patch(
        url, json={"name": "Renamed"}, headers={**t.headers, "If-Match": 'W/"2"'}
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"
    enabled = await gw.client.post(f"{url}/enable", headers=t.headers)
    assert enabled.json()["enabled"] is True

    cid = await customer(gw, t)
    plan = await gw.client.post(f"{url}/dry-run", json={"customer_id": cid}, headers=t.headers)
    assert plan.status_code == 200, plan.text
    assert plan.json()["conditions_hold"] is True
    assert plan.json()["steps"][0]["detail"] == "add tag needs-attention"

    run = await gw.client.post(
        f"/api/v1/customers/{cid}/automations/{auto['id']}/run",
        headers={**t.headers, "Idempotency-Key": "profile-click-1"},
    )
    assert run.status_code == 202, run.text
    again = await gw.client.post(
        f"/api/v1/customers/{cid}/automations/{auto['id']}/run",
        headers={**t.headers, "Idempotency-Key": "profile-click-1"},
    )
    assert again.json()["id"] == run.json()["id"]
    for _ in range(300):
        got = (
            await gw.client.get(f"/api/v1/automation-runs/{run.json()['id']}", headers=t.headers)
        ).json()
        if got["status"] in ("succeeded", "failed", "skipped"):
            break
        await asyncio.sleep(0.2)
    assert got["status"] == "succeeded", got
    assert [s["status"] for s in got["steps"]] == ["succeeded"] * 3
    assert got["trigger"] == "manual" and got["started_by"]
    runs = await gw.client.get(f"{url}/runs", headers=t.headers)
    assert [r["id"] for r in runs.json()["items"]] == [got["id"]]
    retry = await gw.client.post(f"/api/v1/automation-runs/{got['id']}/retry", headers=t.headers)
    assert retry.status_code == 412  # only failed runs are retried

    tasks = await gw.client.get("/api/v1/tasks", params={"customer_id": cid}, headers=t.headers)
    [task] = tasks.json()["items"]
    assert task["title"] == "Call Ann" and task["run_id"] == got["id"]
    deleted = await gw.client.delete(url, headers=t.headers)
    assert deleted.status_code == 204
    assert (await gw.client.get(url, headers=t.headers)).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trigger": {"type": "customer.teleported"}}, "trigger.type"),
        ({"actions": [{"type": "launch_rocket"}]}, "actions[0].type"),
        (
            {"conditions": [{"field": "customer.tags", "op": "between", "value": 1}]},
            "conditions[0].op",
        ),
        (
            {"conditions": [{"field": "customer.mood", "op": "eq", "value": 1}]},
            "conditions[0].field",
        ),
        ({"actions": [{"type": "add_tag"}]}, "actions[0].tag"),
        ({"actions": [{"type": "send_message", "channel": "email"}]}, "actions[0].template"),
        ({"actions": [{"type": "wait"}]}, "actions[0].seconds"),
    ],
)
async def test_invalid_automations_are_422_naming_the_reason(automation_gateway, change, field):
    gw = automation_gateway
    t = await gw.tenant()
    bad = await gw.client.post(
        "/api/v1/automations", json={**FRUSTRATED, **change}, headers=t.headers
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in bad.json()["errors"]]


async def test_a_cycle_of_automations_is_422(automation_gateway):
    gw = automation_gateway
    t = await gw.tenant()
    first = {
        "name": "VIP gets a tag",
        "enabled": True,
        "trigger": {"type": "customer.stage_changed", "to": "vip"},
        "actions": [{"type": "add_tag", "tag": "vip"}],
    }
    second = {
        "name": "Tag makes a VIP",
        "enabled": True,
        "trigger": {"type": "customer.tag_added", "to": "vip"},
        "actions": [{"type": "set_stage", "stage": "vip"}],
    }
    assert (
        await gw.client.post("/api/v1/automations", json=first, headers=t.headers)
    ).status_code == 201
    cycle = await gw.client.post("/api/v1/automations", json=second, headers=t.headers)
    assert cycle.status_code == 422
    assert "trigger each other forever" in cycle.json()["detail"]
    assert cycle.json()["errors"][0]["field"] == "actions"


async def test_tasks_api(automation_gateway):
    gw = automation_gateway
    t = await gw.tenant()
    cid = await customer(gw, t)
    made = await gw.client.post(
        "/api/v1/tasks",
        json={
            "customer_id": cid,
            "title": "Send the quote",
            "owner_id": "staff-2",
            "due_at": "2027-01-05T09:00:00Z",
        },
        headers=t.headers,
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assert task["status"] == "open" and task["created_by"]
    due = await gw.client.get(
        "/api/v1/tasks",
        params={"owner_id": "staff-2", "due_before": "2027-02-01T00:00:00Z"},
        headers=t.headers,
    )
    assert [x["id"] for x in due.json()["items"]] == [task["id"]]
    done = await gw.client.patch(
        f"/api/v1/tasks/{task['id']}", json={"status": "done"}, headers=t.headers
    )
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    bad = await gw.client.post("/api/v1/tasks", json={"title": ""}, headers=t.headers)
    assert bad.status_code == 422
    viewer = await gw.tenant(role=Role.VIEWER)
    refused = await gw.client.post("/api/v1/tasks", json={"title": "x"}, headers=viewer.headers)
    assert refused.status_code == 403
    gone = await gw.client.delete(f"/api/v1/tasks/{task['id']}", headers=t.headers)
    assert gone.status_code == 204


async def test_without_the_automation_service_the_routes_answer_503(gateway):
    t = await gateway.tenant()
    answer = await gateway.client.get("/api/v1/automations", headers=t.headers)
    assert answer.status_code == 503
