"""`EmulatorTransport`: httpx requests answered by an in-process `Portal`, no sockets."""

from __future__ import annotations

import httpx

from .api import Portal


class EmulatorTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncClient(transport=EmulatorTransport(portal), base_url=...)` talks to the portal."""

    def __init__(self, portal: Portal | None = None) -> None:
        self.portal = portal if portal is not None else Portal()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        url = request.url
        response = await self.portal.handle(
            request.method,
            url.path,
            url.query.decode("ascii", errors="replace"),
            dict(request.headers.items()),
            body,
        )
        return httpx.Response(
            response.status,
            headers=response.headers,
            content=response.body,
            request=request,
        )
