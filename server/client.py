"""The VibeCode REST client: sole owner of the process's `httpx.AsyncClient`.

Every upstream failure leaves this module as a `server.errors` exception. Reads are retried
on 429/5xx and connection failures; writes only when the upstream provably did not run
them (429, or a connection that failed before the request was sent).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from server import __version__, specs
from server.errors import (
    AccessDenied,
    ApiError,
    AuthError,
    BadRequest,
    BadResponse,
    BusinessError,
    Conflict,
    ConnectError,
    NotFound,
    OutcomeUnknown,
    PaymentRequired,
    RateLimited,
    UpstreamServerError,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)

Transport = httpx.AsyncBaseTransport  # what callers may inject (the demo portal's, a mock) without importing httpx

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


@dataclass(frozen=True)
class ApiResponse:
    """A successful VibeCode answer: the envelope's `data`, `total` and `meta`."""

    status: int
    data: Any
    total: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


def error_catalog() -> dict[str, dict[str, Any]]:
    """Documented error codes → {status, hint}, from tool_specs/error_codes.json."""
    codes: dict[str, dict[str, Any]] = specs.load("error_codes.json")["codes"]
    return codes


def api_error(status: int, body: Mapping[str, Any] | None, headers: Mapping[str, str]) -> ApiError:
    """Map an upstream error envelope to the exception tree (unknown codes map by status)."""
    err = body.get("error") if body else None
    if not isinstance(err, Mapping):
        err = {}
    code = str(err.get("code") or f"HTTP_{status}")
    message = str(err.get("message") or f"VibeCode answered HTTP {status}")
    known = error_catalog().get(code)
    hints = [str(err[k]) for k in ("hint", "userMessage") if err.get(k)]
    if known:
        hints.append(known["hint"])
    retry_after = _retry_after(err.get("retryAfter"), headers.get("retry-after"))
    cls = STATUS_CLASSES.get(status) or (UpstreamServerError if status >= 500 else BadRequest)
    return cls(
        message,
        status=status,
        code=code,
        hint=" ".join(dict.fromkeys(hints)) or None,
        retry_after=retry_after,
    )


def _retry_after(*candidates: object) -> float | None:
    for value in candidates:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return seconds
    return None


def encode_query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten nested params into the bracket form the API reads: filter[amount][$gte]=1.

    Nothing is dropped: null is sent empty (`filter[closedAt]=`, as upstream reads an empty
    value), and an empty array, which has no query-string form, is refused.
    """
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            out.append((prefix, ""))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]", v)
        elif isinstance(value, list | tuple):
            if not value:
                raise ValueError(f"{prefix}: an empty array has no query-string form")
            for item in value:
                walk(f"{prefix}[]", item)
        elif isinstance(value, bool):
            out.append((prefix, "true" if value else "false"))
        else:
            out.append((prefix, str(value)))

    for key, value in params.items():
        if key in {"select", "include"} and isinstance(value, list | tuple):
            out.append((key, ",".join(str(v) for v in value)))
        else:
            walk(key, value)
    return out


class VibeCodeClient:
    """Async client for `https://vibecode.bitrix24.tech/v1`; use as an async context manager."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://vibecode.bitrix24.tech",
        *,
        transport: Transport | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"X-Api-Key": api_key, "User-Agent": f"vibecode-mcp/{__version__}"},
        )

    async def __aenter__(self) -> VibeCodeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        read: bool | None = None,
    ) -> ApiResponse:
        """Send one call and return its envelope.

        `read` marks a call safe to repeat; by default GET and POST …/search|aggregate|fields.

        Raises:
            ApiError: the upstream answered with an error envelope.
            TransportError: no usable answer (ConnectError, OutcomeUnknown, BadResponse).
        """
        method = method.upper()
        if read is None:
            read = method == "GET" or (method == "POST" and path.endswith(READ_SUFFIXES))
        query = encode_query(params) if isinstance(params, Mapping) else list(params or [])
        attempt = 0
        while True:
            try:
                return await self._send(method, path, query, json_body, read)
            except (
                ConnectError,
                OutcomeUnknown,
                RateLimited,
                UpstreamUnavailable,
                UpstreamServerError,
                BadResponse,
            ) as exc:
                retryable = isinstance(exc, ConnectError | RateLimited) or read
                wait = self._backoff(attempt, getattr(exc, "retry_after", None))
                if not retryable or attempt >= self.max_retries or wait > self.max_retry_wait:
                    raise
                log.info("retrying %s %s in %.2fs after %s", method, path, wait, exc.code)
                attempt += 1
                await self._sleep(wait)

    @staticmethod
    def _backoff(attempt: int, retry_after: float | None) -> float:
        base = retry_after if retry_after is not None else 0.5 * 2**attempt
        return base + random.uniform(0, 0.25 * max(base, 0.2))

    async def _send(
        self, method: str, path: str, query: list[tuple[str, str]], json_body: Any, read: bool
    ) -> ApiResponse:
        started = time.perf_counter()
        try:
            resp = await self._http.request(method, path, params=tuple(query), json=json_body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ConnectError(
                f"Cannot reach the VibeCode API at {self.base_url}: {type(exc).__name__}.",
                hint="Check VIBECODE_BASE_URL and the network; unset VIBECODE_API_KEY to use the demo portal.",
            ) from exc
        except httpx.TransportError as exc:
            what = "read" if read else "write"
            raise OutcomeUnknown(
                f"The VibeCode API did not answer the {what} {method} {path} ({type(exc).__name__}).",
                hint="Retry the read."
                if read
                else "The change may or may not have been applied: read the record back before repeating it.",
                retryable=read,
            ) from exc
        log.debug("%s %s -> %s in %.1f ms", method, path, resp.status_code, 1000 * (time.perf_counter() - started))
        return self._parse(resp)

    def _parse(self, resp: httpx.Response) -> ApiResponse:
        status = resp.status_code
        body: Any = None
        if resp.content:
            try:
                body = json.loads(resp.content)
            except ValueError:
                body = None
                if status < 400:
                    raise BadResponse(
                        f"The VibeCode API answered HTTP {status} with a body that is not JSON.",
                        hint="Retry; if it persists the API or a proxy in between is misbehaving.",
                    ) from None
        if status >= 400 or (isinstance(body, dict) and body.get("success") is False):
            raise api_error(status if status >= 400 else 500, body if isinstance(body, dict) else None, resp.headers)
        if status == 204 or body is None:
            return ApiResponse(status=status, data=None, headers=resp.headers)
        if not isinstance(body, dict) or "data" not in body:
            raise BadResponse(
                f"The VibeCode API answered HTTP {status} without a data envelope.",
                hint="Retry; if it persists check VIBECODE_BASE_URL points at the VibeCode API.",
            )
        meta: dict[str, Any] = body["meta"] if isinstance(body.get("meta"), dict) else {}
        total = body.get("total", meta.get("total"))
        return ApiResponse(
            status=status,
            data=body["data"],
            total=total if isinstance(total, int) and not isinstance(total, bool) else None,
            meta=meta,
            headers=resp.headers,
        )
