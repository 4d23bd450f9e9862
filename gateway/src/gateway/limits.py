"""Refuse oversized requests: bodies (413) before they are read into memory, header blocks (431)
before the app sees them."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import PROBLEM_BASE, PROBLEM_JSON, TITLES

# Routes that need more than the global limit, each with its own explicit one (exact path).
# A batch of 500 messages of up to 10,000 characters each is far over 256 KiB; 8 MiB holds a
# realistic 500-message backfill with room to spare.
ROUTE_LIMITS: dict[str, int] = {
    "/api/v1/conversations/messages/batch": 8 * 1024 * 1024,
}


# The request line's headers, names and values together. API keys, trace context and the
# usual browser headers fit many times over.
MAX_HEADER_BYTES = 16 * 1024


class BodySizeLimit:
    """Pure ASGI middleware: 413 problem+json when the body exceeds `max_bytes` (declared
    Content-Length or counted while streaming); a path in `route_limits` has its own limit;
    431 when the request's headers exceed `max_header_bytes`. A path in `streamed_limits` (file
    uploads) is passed through as it arrives, counted: past its limit the app sees the client
    gone and the answer is a 413."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        route_limits: dict[str, int] | None = None,
        max_header_bytes: int = MAX_HEADER_BYTES,
        streamed_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.route_limits = ROUTE_LIMITS if route_limits is None else route_limits
        self.max_header_bytes = max_header_bytes
        self.streamed_limits = streamed_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_headers = scope.get("headers") or ()
        if sum(len(k) + len(v) for k, v in raw_headers) > self.max_header_bytes:
            await _refuse(scope, send, 431, f"request headers exceed {self.max_header_bytes} bytes")
            return
        limit = self.route_limits.get(scope.get("path", ""), self.max_bytes)
        streamed = self.streamed_limits.get(scope.get("path", ""))
        if streamed is not None and scope.get("method") == "POST":
            limit = streamed
        declared = dict(raw_headers).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, 413, f"request body exceeds {limit} bytes")
            return
        if streamed is not None and scope.get("method") == "POST":
            await self._streamed(scope, receive, send, limit)
            return
        # Read the body up to the limit, then replay it: the app never sees an oversized body.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > limit:
                await _refuse(scope, send, 413, f"request body exceeds {limit} bytes")
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        size = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal size, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            await _refuse(scope, send, 413, f"request body exceeds {limit} bytes")


async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_BASE + ("body-too-large" if status == 413 else "headers-too-large"),
            "title": TITLES[status],
            "status": status,
            "detail": detail,
            "instance": scope.get("path", ""),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
