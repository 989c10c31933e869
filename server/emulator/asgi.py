"""A minimal ASGI app around a `Portal` (HTTP plus lifespan), for uvicorn."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .api import Portal
from .errors import internal_error
from .faults import DROP_HEADER
from .pipeline import MAX_BODY_BYTES, Response, body_too_large, error_response

logger = logging.getLogger("server.emulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class App:
    def __init__(self, portal: Portal, on_shutdown: Callable[[], None] | None = None) -> None:
        self.portal = portal
        self.on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, self.on_shutdown)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if len(body) > MAX_BODY_BYTES or not message.get("more_body", False):
                break  # an oversized body is refused without reading (or holding) the rest
        if len(body) > MAX_BODY_BYTES:
            response = error_response(body_too_large())
        else:
            response = await self._answer(scope, bytes(body))
        if DROP_HEADER in response.headers:
            # Promise a body and send none: the server closes the connection with no usable answer.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
            return
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _answer(self, scope: Scope, body: bytes) -> Response:
        try:
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
            return await self.portal.handle(
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                headers,
                body,
            )
        except Exception:  # the last resort: a client sees a JSON envelope, never a bare 500
            logger.exception("emulator: unhandled error on %s %s", scope.get("method"), scope.get("path"))
            return error_response(internal_error())


async def _lifespan(receive: Receive, send: Send, on_shutdown: Callable[[], None] | None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if on_shutdown is not None:
                on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
