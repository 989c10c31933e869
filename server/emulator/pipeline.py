"""Request/response types and the stage chain every request runs through before routing."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .values import dump

JSON_TYPE = "application/json; charset=utf-8"
MAX_BODY_BYTES = 4 * 1024 * 1024  # 500 batch items of a few KB each fit with room to spare
MAX_DEPTH = 32  # the deepest documented body (a filter inside a /v1/batch call) needs about 8
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
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
        """The parsed body (None when empty); VALIDATION_ERROR when it is not strict JSON."""
        if self._json is _UNPARSED:
            self._json = None if not self.body.strip() else strict_json(self.body)
        result: object = self._json
        return result


def strict_json(body: bytes) -> object:
    """RFC 8259 JSON only: no NaN/Infinity, no overflowing numbers, no lone surrogates, bounded size
    and depth. Anything else is a 400, so nothing unrepresentable ever reaches the store."""
    if len(body) > MAX_BODY_BYTES:
        raise body_too_large()
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise _bad_body("Body is not valid JSON: it must be UTF-8 text") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise _bad_body(f"Body is nested deeper than {MAX_DEPTH} levels") from None
    except _NotStrict as exc:
        raise _bad_body(f"Body is not valid JSON: {exc}") from None
    except ValueError:
        raise _bad_body("Body is not valid JSON") from None
    # Both scans are skipped for the usual body: the raw text already rules the problem out.
    may_nest = text.count("[") + text.count("{") > MAX_DEPTH
    may_have_surrogate = _ESCAPED_SURROGATE.search(text) is not None
    if may_nest or may_have_surrogate:
        _check_tree(value)
    return value


class _NotStrict(ValueError):
    pass


def _no_constant(name: str) -> object:
    raise _NotStrict(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotStrict(f"number {text[:40]} is out of range")
    return number


def _check_tree(root: object) -> None:
    """Depth and lone surrogates (in keys and values), without recursion."""
    stack: list[tuple[object, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise _bad_body("Body contains a lone UTF-16 surrogate (\\ud800–\\udfff); send valid Unicode text")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise _bad_body(f"Body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((child, depth + 1) for child in node.values())
        else:
            stack.extend((child, depth + 1) for child in node)


def body_too_large() -> ApiError:
    return _bad_body(f"Body is larger than {MAX_BODY_BYTES} bytes")


def _bad_body(message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message)


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
    """`X-Api-Key` (or `Authorization: Bearer <key>`) must name a known key. An OAuth application's key
    (`vibe_app_`) also needs its user's session token as `Authorization: Bearer`, except on `/v1/me`
    (Ключи и авторизация; Пакетные вызовы L2375): without it 401 TOKEN_MISSING, a wrong one TOKEN_EXPIRED."""

    def __init__(self, keys: Collection[str], sessions: Mapping[str, str] | None = None) -> None:
        self.sessions = dict(sessions or {})  # application key -> its user's session token
        self.keys = frozenset(keys) | frozenset(self.sessions)

    async def __call__(self, request: Request, call_next: Handler) -> Response:
        key = request.headers.get("x-api-key", "").strip()
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else ""
        if not key:
            key, bearer = bearer, ""
        if not key:
            raise ApiError(401, "MISSING_API_KEY", "API key required. Pass via X-Api-Key header.")
        if key not in self.keys:
            raise ApiError(401, "INVALID_API_KEY", "Invalid API key")
        session = self.sessions.get(key)
        if session is not None and request.path.rstrip("/") != "/v1/me":
            if not bearer:
                raise ApiError(
                    401,
                    "TOKEN_MISSING",
                    "An application key (vibe_app_) needs the user's session token: Authorization: Bearer <token>",
                )
            if bearer != session:
                raise ApiError(401, "TOKEN_EXPIRED", "The session token has expired or is unknown")
        request.state["api_key"] = key
        return await call_next(request)
