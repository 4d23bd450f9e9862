"""Request latency by route template (not raw path, so ids don't explode cardinality)."""

from __future__ import annotations

import time

from moodline_kit.metrics import HTTP_HANDLED
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_HANDLED.labels(template, scope["method"], str(status)).observe(
                time.perf_counter() - started
            )
