"""Who may talk to the HTTP transport (pure ASGI): bearer token, Host and Origin allow-lists.

The Host and Origin checks are the DNS-rebinding protection: a web page that points a name it
controls at this machine sends its own name as Host and its own origin as Origin, and is refused.
"""

from __future__ import annotations

import hmac
import json
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})


async def _refuse(send: Send, status: int, error: str, message: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [(b"content-type", b"application/json"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """Reject HTTP requests whose `Authorization: Bearer` token is not the configured one.

    The scheme is case-insensitive (RFC 9110 §11.1); the token is compared in constant time.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, token = given.strip().partition(b" ")
            if not (scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self._expected)):
                await _refuse(
                    send,
                    401,
                    "unauthorized",
                    "Send Authorization: Bearer <VIBECODE_HTTP_TOKEN>.",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
        await self.app(scope, receive, send)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def default_hosts(bind: str) -> list[str]:
    """Host names a client may use by default: loopback, the bound address, or this machine's names."""
    names = list(LOOPBACK_NAMES)
    if bind in WILDCARD_BINDS:
        names += [socket.gethostname(), socket.getfqdn()]
    else:
        names.append(_bracket(bind))
    return list(dict.fromkeys(n.lower() for n in names if n))


class HostOriginGuard:
    """Answer 421 to a Host and 403 to an Origin that are not allowed ("*" allows any)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str], origins: Iterable[str]) -> None:
        self.app = app
        self.hosts = {_bracket(h.strip().lower()) for h in hosts}
        self.origins = {o.strip().lower().rstrip("/") for o in origins}
        self.any_host = "*" in self.hosts
        self.any_origin = "*" in self.origins

    def host_allowed(self, host: str) -> bool:
        if self.any_host:
            return True
        name = host.lower()
        if name.startswith("["):
            name = name[: name.find("]") + 1]
        else:
            name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
        return name in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        if self.any_origin or origin.lower() in self.origins:
            return True
        scheme, sep, rest = origin.partition("://")
        return bool(sep) and scheme.lower() in ("http", "https") and self.host_allowed(rest)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1")
            origin = headers.get(b"origin", b"").decode("latin-1")
            if not self.host_allowed(host):
                await _refuse(send, 421, "host_not_allowed", "Add this host name to VIBECODE_HTTP_ALLOWED_HOSTS.", [])
                return
            if origin and not self.origin_allowed(origin):
                await _refuse(send, 403, "origin_not_allowed", "Add this origin to VIBECODE_HTTP_ALLOWED_ORIGINS.", [])
                return
        await self.app(scope, receive, send)
