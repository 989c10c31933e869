"""`EmulatorTransport`: httpx requests answered by an in-process `Portal`, no sockets."""

from __future__ import annotations

import logging

import httpx

from .api import Portal
from .errors import internal_error
from .faults import DROP_HEADER
from .pipeline import error_response

logger = logging.getLogger("server.emulator")


class EmulatorTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncClient(transport=EmulatorTransport(portal), base_url=...)` talks to the portal."""

    def __init__(self, portal: Portal | None = None) -> None:
        self.portal = portal if portal is not None else Portal()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        url = request.url
        try:
            response = await self.portal.handle(
                request.method,
                url.path,
                url.query.decode("ascii", errors="replace"),
                dict(request.headers.items()),
                body,
            )
        except Exception:  # the last resort: a client sees a JSON envelope, never a traceback
            logger.exception("emulator: unhandled error on %s %s", request.method, url.path)
            response = error_response(internal_error())
        if DROP_HEADER in response.headers:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(
            response.status,
            headers=response.headers,
            stream=httpx.ByteStream(response.body),  # decoded when read, as from a socket
            request=request,
        )
