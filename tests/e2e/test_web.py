"""The web UI in Debian's Chromium against the whole platform as `make run` starts it: sign in,
search by a partial phone number, open a profile, a bad phone's field error, a concurrent edit,
a frustrated message flipping the sentiment badge live, an override. axe-core checks every main
screen for serious and critical violations; the screens are saved under docs/screenshots/.

The tests run in order on one page, as a receptionist would work through them."""

from __future__ import annotations

import json
import shutil
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
AXE = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 768}
LIVE_TIMEOUT_MS = 60_000  # scoring goes through NATS, the sentiment service and Triton


@pytest.fixture(scope="module")
def built_web() -> None:
    sys.path.insert(0, str(REPO / "web"))
    try:
        import toolchain

        toolchain.build()
    finally:
        sys.path.remove(str(REPO / "web"))


@pytest.fixture(scope="module")
def page(platform, built_web):
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), "run `make browser` first"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        # Reduced motion: no popover fade for axe to measure half-way (the app honours it).
        context = browser.new_context(
            viewport=VIEWPORT, base_url=platform["gateway_url"], reduced_motion="reduce"
        )
        page = context.new_page()
        page.console_errors = []  # type: ignore[attr-defined]

        def on_console(message) -> None:  # type: ignore[no-untyped-def]
            # A message not scored yet answers 404 by design (shown as "not scored yet");
            # Chromium logs every 4xx resource as an error.
            url = message.location.get("url", "")
            if message.type == "error" and not (
                "/api/v1/sentiment/messages/" in url and "404" in message.text
            ):
                page.console_errors.append(f"{message.text} ({url})")  # type: ignore[attr-defined]

        page.on("console", on_console)
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))  # type: ignore[attr-defined]
        yield page
        browser.close()


@pytest.fixture(scope="module")
def api(platform):
    with httpx.Client(
        base_url=platform["gateway_url"],
        headers={"Authorization": f"Bearer {platform['api_key']}"},
        timeout=30,
    ) as client:
        yield client


def _axe_serious(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now (the pointer moved
    off the last control clicked, so its hover colours do not count)."""
    page.mouse.move(0, VIEWPORT["height"] - 1)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        f"{[(n['target'], n.get('failureSummary', '')) for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _forget_expected(page: Page, status: int) -> None:
    """Chromium logs every 4xx as a console error; drop those a step provoked on purpose."""
    page.console_errors[:] = [  # type: ignore[attr-defined]
        e
        for e in page.console_errors
        if f"status of {status} " not in e  # type: ignore[attr-defined]
    ]


def _sign_in(page: Page, platform: dict) -> None:
    page.get_by_label("Email").fill(platform["admin_email"])
    page.get_by_role("textbox", name="Password").fill(platform["admin_password"])
    page.get_by_role("button", name="Sign in").click()


def test_sign_in(page: Page, platform):
    page.goto("/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "sign-in")
    page.get_by_label("Email").fill(platform["admin_email"])
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    _forget_expected(page, 401)
    _sign_in(page, platform)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("signed-in-user")).to_have_text("Demo Admin")
    expect(page.get_by_role("banner")).to_contain_text("Demo Salon & Spa")
    expect(page.get_by_role("group", name="Total customers")).to_contain_text("10")


def test_search_by_partial_phone(page: Page):
    customers = page.get_by_role("navigation", name="Customers").get_by_role("listitem")
    expect(customers.first).to_be_visible()
    assert customers.count() >= 10
    page.get_by_role("searchbox", name="Search customers").fill("555-26")
    expect(customers).to_have_count(1)
    expect(customers.first).to_contain_text("Olivia Martinez")
    assert _axe_serious(page) == []
    _shot(page, "workspace-search")


def test_open_profile(page: Page):
    page.get_by_role("navigation", name="Customers").get_by_role(
        "button", name="Olivia Martinez"
    ).click()
    profile = page.get_by_role("main", name="Customer profile")
    expect(profile.get_by_role("heading", name="Olivia Martinez")).to_be_visible()
    expect(profile.get_by_text("olivia.martinez@example.com")).to_be_visible()
    expect(page.get_by_test_id("sentiment-badge")).to_have_text("Neutral")
    expect(profile.get_by_text("No conversations yet.")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "profile")


def test_bad_phone_shows_the_servers_field_error(page: Page):
    page.get_by_role("button", name="Edit contact info").click()
    phone = page.get_by_role("textbox", name="Phone")
    phone.fill("12ab")
    page.get_by_role("button", name="Save contact info").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("not a phone number")).to_be_visible()
    assert _axe_serious(page) == []
    _shot(page, "field-error")
    page.get_by_role("button", name="Cancel").click()
    _forget_expected(page, 422)


def test_a_concurrent_edit_reloads_and_shows_what_changed(page: Page, api: httpx.Client):
    page.get_by_role("button", name="Edit contact info").click()
    company = f"Martinez Hair {uuid.uuid4().hex[:4]}"
    page.get_by_role("textbox", name="Company").fill(company)
    olivia = api.get("/api/v1/customers", params={"q": "555-26"}).json()["items"][0]
    before = olivia["preferred_contact_time"] or "(empty)"
    elsewhere = f"weekday mornings {uuid.uuid4().hex[:4]}"
    changed = api.patch(
        f"/api/v1/customers/{olivia['id']}",
        headers={"If-Match": f'W/"{olivia["version"]}"'},
        json={"preferred_contact_time": elsewhere},
    )
    assert changed.status_code == 200, changed.text
    page.get_by_role("button", name="Save contact info").click()
    notice = page.get_by_role("alert").filter(has_text="Someone else changed this customer")
    expect(notice).to_contain_text(f"Preferred contact time: {before} → {elsewhere}")
    page.get_by_role("button", name="Save contact info").click()  # the draft is kept
    contact = page.get_by_role("region", name="Contact info")
    expect(contact.get_by_text(company)).to_be_visible()
    expect(contact.get_by_text(elsewhere)).to_be_visible()
    _forget_expected(page, 412)


def test_a_frustrated_message_flips_the_badge_without_reload(page: Page, api: httpx.Client):
    marker = page.evaluate("() => (window.__noReload = crypto.randomUUID())")
    ingested = api.post(
        "/api/v1/conversations/messages",
        json={
            "provider_message_id": f"SM{uuid.uuid4().hex}",
            "channel": "sms",
            "customer": {"phone": "(415) 555-2671"},
            "direction": "inbound",
            "author": "customer",
            "text": "This is unacceptable. My appointment was cancelled again and nobody "
            "called me back. I am furious and fed up.",
            "sent_at": "2026-12-01T10:00:00Z",
        },
    )
    assert ingested.status_code == 202, ingested.text
    assert not ingested.json()["customer_created"]
    badge = page.get_by_test_id("sentiment-badge")
    expect(badge).to_have_text("Frustrated", timeout=LIVE_TIMEOUT_MS)
    expect(page.get_by_role("region", name="Conversations")).to_contain_text(
        "I am furious", timeout=LIVE_TIMEOUT_MS
    )
    assert page.evaluate("() => window.__noReload") == marker, "the page was reloaded"
    page.get_by_role("button", name="Why?").click()
    expect(page.get_by_role("dialog", name="Why?")).to_contain_text("message")
    assert _axe_serious(page) == []
    _shot(page, "sentiment-explained")
    page.keyboard.press("Escape")


def test_apply_an_override(page: Page):
    form = page.get_by_role("form", name="Sentiment override")
    expect(form).to_contain_text("lapses")
    form.get_by_role("combobox", name="Sentiment").click()
    page.get_by_role("option", name="Happy").click()
    form.get_by_role("textbox", name="Reason").fill("Called back and rebooked; she is pleased.")
    form.get_by_role("button", name="Apply override").click()
    expect(page.get_by_test_id("sentiment-badge")).to_have_text("Happy (override)")
    expect(form).to_contain_text("Called back and rebooked")
    assert _axe_serious(page) == []
    _shot(page, "override")


def test_no_console_errors(page: Page):
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_sign_out(page: Page, platform):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert json.loads(page.evaluate("() => JSON.stringify(sessionStorage)")) == {}
