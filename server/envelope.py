"""The VibeCode envelope: reading an answer's bytes into data or a `server.errors` exception.

`{"success": true, "data": …}` becomes an `ApiResponse` once `data` has the shape the route
promises; `{"success": false, "error": {code, …}}` becomes the exception class of its code,
whatever HTTP status carried it. Pure functions of method, path, status, headers and bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from server import specs
from server.errors import (
    AccessDenied,
    ApiError,
    AuthError,
    BadRequest,
    BadResponse,
    BusinessError,
    Conflict,
    NotFound,
    OutcomeUnknown,
    PaymentRequired,
    RateLimited,
    UpstreamServerError,
    UpstreamUnavailable,
)
from server.redact import clip

STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: AuthError,
    402: PaymentRequired,
    403: AccessDenied,
    404: NotFound,
    409: Conflict,
    422: BusinessError,
    429: RateLimited,
    500: UpstreamServerError,
    502: UpstreamUnavailable,
    503: UpstreamUnavailable,
    504: UpstreamUnavailable,
}
READ_SUFFIXES = ("/search", "/aggregate", "/fields")
READ_ACTIONS = frozenset({"list", "get", "fields", "search"})
SHAPES = {"object": (dict,), "list": (list,), "container": (dict, list)}


@dataclass(frozen=True)
class ApiResponse:
    """A successful VibeCode answer: the envelope's `data`, `total` and `meta`."""

    status: int
    data: Any
    total: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def error_catalog() -> dict[str, dict[str, Any]]:
    """Documented error codes → {status, retry, hint}, from tool_specs/error_codes.json."""
    codes: dict[str, dict[str, Any]] = specs.load("error_codes.json")["codes"]
    return codes


def api_error(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]) -> ApiError:
    """Map an error envelope to the exception tree: a documented code wins over the HTTP status."""
    err = body.get("error") if body else None
    if not isinstance(err, Mapping):
        err = {}
    code = str(err.get("code") or f"HTTP_{status}")
    message = str(err.get("message") or f"VibeCode answered HTTP {status}")
    known = error_catalog().get(code)
    hints = [str(err[k]) for k in ("hint", "userMessage") if err.get(k)]
    calls = _call_errors(body)
    if calls:  # a batch none of whose calls passed: each call's own error is what to fix
        message += f": {calls}"
        hints.append("Each call's error is in the message: fix those calls and send again.")
    if known:
        # INVALID_REQUEST's own hint is about the request's shape, which was fine if calls were checked.
        if not (calls and code == "INVALID_REQUEST"):
            hints.append(known["hint"])
        status = int(known["status"])
    retry_after = _retry_after(err.get("retryAfter"), headers.get("retry-after"))
    if status >= 400:
        cls = STATUS_CLASSES.get(status) or (UpstreamServerError if status >= 500 else BadRequest)
    else:
        cls = ApiError  # success:false under a 2xx with a code nobody documented
    return cls(
        message,
        status=status,
        code=code,
        hint=" ".join(dict.fromkeys(hints)) or None,
        retry_after=retry_after,
    )


def _call_errors(body: Mapping[str, Any] | None, shown: int = 5) -> str:
    """A batch's per-call errors (`data.errors`, keyed by call id) in one line; "" when there are none."""
    data = body.get("data") if body else None
    found = data.get("errors") if isinstance(data, Mapping) else None
    if not isinstance(found, Mapping) or not found:
        return ""
    parts = [
        f"call {clip(str(cid), 64)}: {e.get('code')} {clip(str(e.get('message', '')), 160)}".rstrip()
        for cid, e in list(found.items())[:shown]
        if isinstance(e, Mapping)
    ]
    more = len(found) - shown
    return "; ".join(parts) + (f"; {more} more" if more > 0 else "")


def _retry_after(*candidates: object) -> float | None:
    for value in candidates:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if 0 <= seconds < float("inf"):
            return seconds
    return None


def is_read(method: str, path: str, body: Any = None) -> bool:
    """True for calls that change nothing upstream, so repeating them is harmless."""
    if method == "GET":
        return True
    if method != "POST":
        return False
    if path.endswith(READ_SUFFIXES):
        return True
    if path.endswith("/batch") and isinstance(body, Mapping):
        if path.rstrip("/") == "/v1/batch":
            calls = body.get("calls")
            return isinstance(calls, list) and all(
                isinstance(c, Mapping) and c.get("action") in READ_ACTIONS for c in calls
            )
        return body.get("action") in READ_ACTIONS
    return False


TYPED_FAMILIES = ("items", "categories")  # /v1/items/{entityTypeId}/…: the type is part of the entity
NAMED_FAMILIES = ("userfields",)  # /v1/userfields/{entity}/…: so is the CRM entity


def typed_segments(path: str) -> list[str]:
    """The path's segments with a smart-process type (or a user field's CRM entity) joined to its
    family: v1, items/1032, 5."""
    seg = path.strip("/").split("/")
    if len(seg) >= 3 and ((seg[1] in TYPED_FAMILIES and seg[2].isdigit()) or seg[1] in NAMED_FAMILIES):
        return [seg[0], f"{seg[1]}/{seg[2]}", *seg[3:]]
    return seg


def expected_shape(method: str, path: str) -> str:
    """What `data` must be on success: object, list, container (either) or any."""
    seg = typed_segments(path)
    if method == "DELETE" or len(seg) < 2 or seg[0] != "v1":
        return "any"
    if seg[1] in ("me", "batch") and len(seg) == 2:
        return "object" if method in ("GET", "POST") else "any"
    if len(seg) == 2:
        return "list" if method == "GET" else "object"
    if len(seg) == 3:
        last = seg[2]
        if last in ("search", "types"):
            return "list"
        if last in ("fields", "aggregate"):
            return "object"
        if last == "batch":
            return "container"
        return "object" if method in ("GET", "PATCH") else "container"
    return "container"


def how_to_check(method: str, path: str) -> str:
    """How to find out whether a write whose answer was lost took effect."""
    seg = typed_segments(path)
    entity = seg[1] if len(seg) > 1 else "the entity"
    if method == "POST" and len(seg) == 2 and entity != "batch":
        return f"Search {entity} for the record (e.g. by its title) before creating it again."
    if method == "PATCH" and len(seg) == 3:
        return f"Get {entity} {seg[2]} and compare its fields before repeating the update."
    if method == "DELETE" and len(seg) == 3:
        return f"Get {entity} {seg[2]}: ENTITY_NOT_FOUND means the delete went through."
    if path.rstrip("/").endswith("/batch"):
        return (
            "Some, all or none of the items may have been applied: search for them (by id for updates and "
            "deletes, by title for creates) before repeating any."
        )
    return "Read the affected records back before repeating the request."


def outcome_unknown(method: str, path: str, why: str) -> OutcomeUnknown:
    """A write that may or may not have been applied: never repeated, reported with how to check."""
    return OutcomeUnknown(
        f"The write {method} {path} may or may not have been applied: {why}",
        hint="It may or may not have been applied, so it was not repeated. " + how_to_check(method, path),
        retryable=False,
    )


def parse(
    status: int, headers: Mapping[str, str], content: bytes, *, method: str, path: str, read: bool, expect: str | None
) -> ApiResponse:
    """The answer's `ApiResponse`, or the exception it stands for."""
    body: Any = None
    if content.strip():
        try:
            body = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            body = None
            if status < 400:
                _bad(method, path, read, status, "with a body that is not JSON")
    if status >= 400 or (isinstance(body, dict) and body.get("success") is False):
        raise api_error(status, body if isinstance(body, dict) else None, headers)
    shape = expect or expected_shape(method, path)
    if body is None:
        if status == 204 or shape == "any":
            return ApiResponse(status=status, data=None, headers=headers)
        _bad(method, path, read, status, "with an empty body")
    if not isinstance(body, dict) or "data" not in body:
        _bad(method, path, read, status, "without a data envelope")
    data = body["data"]
    if shape in SHAPES and not isinstance(data, SHAPES[shape]):
        _bad(method, path, read, status, f"whose data is {type(data).__name__}, not {shape}")
    meta: dict[str, Any] = body["meta"] if isinstance(body.get("meta"), dict) else {}
    total = body.get("total", meta.get("total"))
    return ApiResponse(
        status=status,
        data=data,
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        meta=meta,
        headers=headers,
    )


def _bad(method: str, path: str, read: bool, status: int, what: str) -> NoReturn:
    if not read:
        raise outcome_unknown(method, path, f"the API answered HTTP {status} {what}.")
    raise BadResponse(
        f"The VibeCode API answered {method} {path} with HTTP {status} {what}.",
        code="BAD_RESPONSE",
        hint="Retry later; if it persists, check VIBECODE_BASE_URL points at the VibeCode API "
        "(a proxy or gateway in between may be answering).",
    )
