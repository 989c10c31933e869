"""Opaque, signed, stateless, small and expiring page cursors.

A cursor is `kind + base64url(payload) + "." + HMAC-SHA256 tag`; the payload carries the query it
continues, so nothing is stored server-side. Design choices:
- small whatever the query: the payload is deflated when that helps, and a query that still does
  not fit in `MAX_CURSOR_CHARS` cannot be paged; the caller gets a clear error saying how to narrow
  it (a cursor travels in both result channels and counts against the token budget twice);
- expiring: the payload records when it was issued; after `ttl` seconds it is refused, because an
  offset cursor drifts as data changes and an old one says nothing reliable about where to resume;
- every malformed cursor (altered, truncated, shortened with "…", not base64, not JSON, foreign,
  expired) is `INVALID_CURSOR`, never an internal error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from server.errors import InvalidArguments
from server.results import dumps

MAX_CURSOR_CHARS = 768
DEFAULT_TTL_SECONDS = 6 * 3600
RESTART_HINT = "Pass next_cursor exactly as returned, or start again without cursor."


def _invalid(message: str, hint: str = RESTART_HINT) -> InvalidArguments:
    return InvalidArguments(message, code="INVALID_CURSOR", hint=hint)


class CursorTooLarge(InvalidArguments):
    """The query is too big to be carried by a cursor; the page cannot be continued."""


class CursorCodec:
    """Encode and verify cursors with one process secret (or a configured shared one)."""

    def __init__(
        self,
        secret: bytes,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        max_chars: int = MAX_CURSOR_CHARS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds
        self.max_chars = max_chars
        self._clock = clock

    def encode(self, payload: Mapping[str, Any]) -> str:
        """A cursor for `payload` (issue time added).

        Raises:
            CursorTooLarge: even deflated, the payload is over `max_chars`.
        """
        raw = dumps({**payload, "t": int(self._clock())}).encode()
        packed = zlib.compress(raw, 6)
        kind, data = ("z", packed) if len(packed) < len(raw) else ("j", raw)
        body = kind + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        cursor = f"{body}.{self._tag(body)}"
        if len(cursor) > self.max_chars:
            tool = payload.get("tool", "this tool")
            raise CursorTooLarge(
                f"this query is too large to continue page by page: its cursor would be {len(cursor)} characters "
                f"(at most {self.max_chars}), because the filter, select or sort is long.",
                code="QUERY_TOO_LARGE_FOR_CURSOR",
                hint=f"Split a long $in list into several {tool} calls of at most ~100 values each, narrow the filter, "
                "or raise limit (up to 5000) so that one page holds everything.",
            )
        return cursor

    def decode(self, cursor: str, tool: str) -> dict[str, Any]:
        """Verify and unpack a cursor made for `tool`.

        Raises:
            InvalidArguments: INVALID_CURSOR for anything but an intact, unexpired cursor of `tool`.
        """
        if not isinstance(cursor, str) or not cursor.isascii() or len(cursor) > self.max_chars:
            raise _invalid(
                "cursor is not one this server issued: it has characters a cursor never contains, or is too long "
                "(was it shortened or edited?)."
            )
        body, _, tag = cursor.partition(".")
        if not body or not tag or not hmac.compare_digest(tag, self._tag(body)):
            raise _invalid("cursor is not valid: it was altered or cut, or it comes from another server process.")
        try:
            data = base64.urlsafe_b64decode(body[1:] + "=" * (-len(body[1:]) % 4))
            raw = zlib.decompress(data) if body[0] == "z" else data
            payload = json.loads(raw)
        except (binascii.Error, zlib.error, ValueError) as exc:
            # A correctly signed body that does not unpack: only a changed format gets here.
            raise _invalid("cursor could not be read; it was made by an incompatible server version.") from exc
        if not isinstance(payload, dict):
            raise _invalid("cursor could not be read; it was made by an incompatible server version.")
        issued = payload.pop("t", None)
        if not isinstance(issued, int) or self._clock() - issued > self.ttl_seconds:
            raise _invalid(
                f"cursor has expired (cursors are valid for {self.ttl_seconds // 60} minutes).",
                hint=f"Start {tool} again without cursor; add a filter such as id > the last id you have to resume.",
            )
        if payload.get("tool") != tool:
            owner = str(payload.get("tool"))
            raise _invalid(
                f"cursor belongs to {owner}, not {tool}.",
                hint=f"Call {owner} with this cursor, or start {tool} again without cursor.",
            )
        return payload

    def _tag(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()
