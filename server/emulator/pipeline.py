"""Request/response types and the stage chain every request runs through before routing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .values import dump

JSON_TYPE = "application/json; charset=utf-8"
_UNPARSED: Any = object()


@dataclass(slots=True)
class Request:
    """One incoming request; `headers` have lower-case names; stages share `state`."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    request_id: str
    state: dict[str, object] = field(default_factory=dict)
    _json: Any = field(default=_UNPARSED, repr=False)

    def json(self) -> object:
        """The parsed body (None when empty); VALIDATION_ERROR when it is not JSON."""
        if self._json is _UNPARSED:
            if not self.body.strip():
                self._json = None
            else:
                try:
                    self._json = json.loads(self.body)
                except (ValueError, UnicodeDecodeError):
                    raise ApiError(400, "VALIDATION_ERROR", "Body is not valid JSON") from None
        result: object = self._json
        return result


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request], Awaitable[Response]]
Stage = Callable[[Request, Handler], Awaitable[Response]]


def json_response(status: int, payload: object, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, {"Content-Type": JSON_TYPE, **(headers or {})}, dump(payload))


def error_response(error: ApiError) -> Response:
    headers = dict(error.headers)
    if error.retry_after is not None:
        headers.setdefault("Retry-After", str(error.retry_after))
    return json_response(error.status, error.envelope(), headers)


async def run_stages(stages: Sequence[Stage], endpoint: Handler, request: Request) -> Response:
    """Runs `stages` outermost first; each may answer itself or call the next one."""

    async def step(index: int, req: Request) -> Response:
        if index == len(stages):
            return await endpoint(req)
        return await stages[index](req, lambda r: step(index + 1, r))

    return await step(0, request)


class AuthStage:
    """`X-Api-Key` (or `Authorization: Bearer <key>`) must name a known key."""

    def __init__(self, keys: Collection[str]) -> None:
        self.keys = frozenset(keys)

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        key = request.headers.get("x-api-key", "").strip()
        if not key:
            scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
            if scheme.lower() == "bearer":
                key = token.strip()
        if not key:
            raise ApiError(401, "MISSING_API_KEY", "API key required. Pass via X-Api-Key header.")
        if key not in self.keys:
            raise ApiError(401, "INVALID_API_KEY", "Invalid API key")
        request.state["api_key"] = key
        return await call_next(request)
