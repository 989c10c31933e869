"""Request-level bounds for the HTTP transport (pure ASGI): work in flight, body size and body time.

Requests that carry work (POST, DELETE) are capped in number; past the cap they get 503 with
Retry-After at once rather than queueing without bound. A request body must arrive whole within the
body timeout (408 otherwise) and stay under the size cap (413), so a slow or huge upload holds
neither a slot nor memory for long. GET (the long-lived event stream of a 2025-era session) is
bounded by the session cap instead.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from server.httpguard import Throttled

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def plain_response(send: Send, status: int, error: str, message: str, *, retry_after: int | None = None) -> None:
    """A small JSON error answer that closes the connection."""
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    body = json.dumps({"error": error, "message": message}).encode()
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Cap requests in flight, request body size and the time a body may take to arrive."""

    def __init__(self, app: ASGIApp, *, max_in_flight: int, max_body: int, body_timeout: float) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.in_flight = 0
        self._busy = Throttled(f"{max_in_flight} requests in flight: answering 503 to more")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self._busy.hit()
            await plain_response(send, 503, "busy", "Too many requests in flight; retry shortly.", retry_after=1)
            return
        self.in_flight += 1
        try:
            await self._serve(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        with anyio.move_on_after(self.body_timeout):
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await self._too_large(send)
                    return
                chunks.append(chunk)
                more = bool(message.get("more_body", False))
        if more:
            await plain_response(send, 408, "request_timeout", f"The request body took over {self.body_timeout:g} s.")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await plain_response(send, 413, "too_large", f"The request body is over {self.max_body} bytes.")
