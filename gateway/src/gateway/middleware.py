"""Pure ASGI middleware of the edge: security headers on every response, and unexpected errors
answered as a 500 problem without dropping the client's keep-alive connection."""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import PROBLEM_BASE, PROBLEM_JSON, TITLES

log = logging.getLogger(__name__)

SECURITY_HEADERS = [
    # Browsers must not guess another type than the one declared (JSON rendered as HTML).
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API returns data, never pages: nothing may run or be framed (/docs needs its scripts).
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
# Credentials and who-am-I answers are never cached.
NO_STORE = (b"cache-control", b"no-store")
NO_STORE_PATHS = ("/api/v1/auth/", "/api/v1/api-keys", "/api/v1/me")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path: str = scope.get("path", "")
        extra = list(SECURITY_HEADERS)
        if path.startswith("/api/"):
            extra.append(API_CSP)
        if path.startswith(NO_STORE_PATHS):
            extra.append(NO_STORE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [
                    *message.get("headers", ()),
                    *(h for h in extra if h[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class UnexpectedErrors:
    """Starlette's ServerErrorMiddleware answers an unhandled exception with a 500 and then
    re-raises it, so the server closes the connection. Caught here instead (inside it), the
    500 is a complete response and the connection stays open for the client's next request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            if started:  # too late for another response: let the server close it
                raise
            log.exception("unhandled error", extra={"path": scope.get("path", "")})
            body = json.dumps(
                {
                    "type": PROBLEM_BASE + "internal",
                    "title": TITLES[500],
                    "status": 500,
                    "detail": "internal error",
                    "instance": scope.get("path", ""),
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", PROBLEM_JSON.encode()),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
