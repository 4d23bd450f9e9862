"""First page of the customer list after sign-in, in Debian's Chromium, on the customers
benchmark's dataset (1,000,000 customers in one tenant: `bench/customers/seed.py`).

Starts the real customer service and gateway on that dataset (bench/customers/run.py's Stack,
the gateway serving web/dist), adds a staff admin to the big tenant, then for each round opens a
fresh browser context (no cache, no session), signs in through the form and times from the
"Sign in" click to the first customer row on screen, and from the sign-in answer to that row
(the part the web client owns: the password hash check is the gateway's). Also reports what
the browser saw for the requests in between (sign-in, list page, stats, me). Prints the
figures; asserts nothing.

    python bench/web/bench_first_page.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench" / "customers"), str(ROOT / "web")]

import toolchain  # noqa: E402
from moodline_kit.auth import ensure_local_keys  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from run import VENV_BIN, Stack  # noqa: E402
from seed import STATE  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 768}


def _gateway(state: dict, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": state["gateway_url"]}
    out = subprocess.run(
        [str(VENV_BIN / "moodline-gateway"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def _admin(state: dict) -> tuple[str, str]:
    """The gateway database from seed.py may predate staff sign-in: migrate, then add a user."""
    _gateway(state, "migrate")
    email = f"bench-{secrets.token_hex(4)}@bench.example"
    password = secrets.token_urlsafe(12)
    _gateway(
        state,
        "create-user",
        "--tenant-id",
        state["tenant_id"],
        "--email",
        email,
        "--name",
        "Bench Admin",
        "--role",
        "admin",
        "--password",
        password,
    )
    return email, password


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not STATE.exists():
        sys.exit("no dataset: run `python bench/customers/seed.py` first (make bench-customers)")
    state = json.loads(STATE.read_text())
    toolchain.build()
    email, password = _admin(state)
    os.environ["WEB_DIR"] = str(ROOT / "web" / "dist")
    ensure_local_keys()  # the customer service started here verifies what the gateway signs
    stack = Stack(state)
    try:
        base = stack.start()
        timings: list[float] = []
        after_login: list[float] = []
        requests: dict[str, list[float]] = {"login": [], "list": [], "stats": [], "me": []}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            for round_no in range(args.rounds + 1):
                context = browser.new_context(viewport=VIEWPORT, base_url=base)
                page = context.new_page()
                seen: dict[str, float] = {}
                answered: list[float] = []

                def finished(request, seen=seen, answered=answered) -> None:  # type: ignore[no-untyped-def]
                    path = request.url.split("?")[0].removeprefix(base)
                    name = {
                        "/api/v1/auth/login": "login",
                        "/api/v1/customers": "list",
                        "/api/v1/customers/stats": "stats",
                        "/api/v1/me": "me",
                    }.get(path)
                    if name == "login":
                        answered.append(time.perf_counter())
                    if name and name not in seen:
                        t = request.timing
                        seen[name] = t["responseEnd"] - t["requestStart"]

                page.on("requestfinished", finished)
                page.goto("/")
                page.get_by_label("Email").fill(email)
                page.get_by_role("textbox", name="Password").fill(password)
                first_row = page.get_by_role("navigation", name="Customers").get_by_role("listitem")
                started = time.perf_counter()
                page.get_by_role("button", name="Sign in").click()
                first_row.first.wait_for(state="visible", timeout=30_000)
                shown = time.perf_counter()
                elapsed = (shown - started) * 1000
                page.wait_for_timeout(300)  # let the stats request finish for the record
                context.close()
                if round_no == 0:
                    continue  # warm-up: the services' first queries after start
                timings.append(elapsed)
                after_login.append((shown - answered[0]) * 1000)
                for name, ms in seen.items():
                    requests[name].append(ms)
            browser.close()
    finally:
        stack.stop()
    customers = state.get("customers", "?")
    print(f"first page after sign-in, tenant of {customers} customers, {args.rounds} rounds")
    print(
        f"  click -> first row on screen: median {statistics.median(timings):.0f} ms, "
        f"p90 {_pct(timings, 90):.0f} ms, max {max(timings):.0f} ms"
    )
    print(
        f"  sign-in answered -> first row: median {statistics.median(after_login):.0f} ms, "
        f"p90 {_pct(after_login, 90):.0f} ms, max {max(after_login):.0f} ms"
    )
    print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    for name, samples in requests.items():
        if samples:
            print(
                f"  {name:<6} request (browser timing): median {statistics.median(samples):.0f} "
                f"ms, max {max(samples):.0f} ms"
            )


if __name__ == "__main__":
    main()
