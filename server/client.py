"""The VibeCode REST client: sole owner of the process's `httpx.AsyncClient`.

Every request waits its turn in the shared `RateLimiter`, runs under the call's deadline, reads at
most `max_response_bytes`, and leaves this module as data or as a `server.errors` exception — no
httpx exception escapes. Retries follow `server.retry`: reads when the error's policy allows, writes
only when the upstream provably did not run them; a write whose outcome is unknown is reported so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio
import httpx

from server import __version__, deadline
from server.envelope import (
    STATUS_CLASSES,
    ApiResponse,
    api_error,
    error_catalog,
    expected_shape,
    is_read,
    outcome_unknown,
    parse,
)
from server.errors import (
    ApiError,
    BadResponse,
    ConnectError,
    DeadlineExceeded,
    InvalidArguments,
    OutcomeUnknown,
    ResponseTooLarge,
    VibeCodeError,
    WaitTooLong,
)
from server.ratelimit import RateLimiter
from server.retry import MIN_ATTEMPT_SECONDS, RetryPolicy

__all__ = [
    "HTTPX_ERRORS",
    "STATUS_CLASSES",
    "ApiResponse",
    "Transport",
    "VibeCodeClient",
    "api_error",
    "encode_query",
    "error_catalog",
    "expected_shape",
]

log = logging.getLogger(__name__)

Transport = httpx.AsyncBaseTransport  # what callers may inject (the demo portal's, a mock) without importing httpx

DEFAULT_CALL_TIMEOUT = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# Servers and proxies refuse longer URLs (commonly at 8–64 KiB); better a clear error than an unreachable API.
MAX_QUERY_BYTES = 16 * 1024

# Every exception class httpx defines, by what it says about a request (tests check none is missing):
# not_sent - the request never left, a retry is safe even for a write; config - it never can leave
# (bad URL or scheme); no_answer - it may have reached the upstream; bad_body - an answer came but
# could not be read. Lookup walks the MRO, so subclasses httpx adds later land on their family.
HTTPX_ERRORS: dict[type[Exception], str] = {
    httpx.ConnectError: "not_sent",
    httpx.ConnectTimeout: "not_sent",
    httpx.PoolTimeout: "not_sent",
    httpx.ProxyError: "not_sent",
    httpx.UnsupportedProtocol: "config",
    httpx.InvalidURL: "config",
    httpx.ReadTimeout: "no_answer",
    httpx.WriteTimeout: "no_answer",
    httpx.TimeoutException: "no_answer",
    httpx.ReadError: "no_answer",
    httpx.WriteError: "no_answer",
    httpx.CloseError: "no_answer",
    httpx.NetworkError: "no_answer",
    httpx.RemoteProtocolError: "no_answer",
    httpx.LocalProtocolError: "no_answer",
    httpx.ProtocolError: "no_answer",
    httpx.TransportError: "no_answer",
    httpx.RequestError: "no_answer",
    httpx.HTTPError: "no_answer",
    httpx.StreamError: "no_answer",
    httpx.StreamConsumed: "no_answer",
    httpx.StreamClosed: "no_answer",
    httpx.ResponseNotRead: "no_answer",
    httpx.RequestNotRead: "no_answer",
    httpx.CookieConflict: "no_answer",
    httpx.DecodingError: "bad_body",
    httpx.TooManyRedirects: "bad_body",
    httpx.HTTPStatusError: "bad_body",
}
HTTPX_ROOTS = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, httpx.CookieConflict)


def httpx_kind(exc: BaseException) -> str:
    """The HTTPX_ERRORS kind of an httpx exception (no_answer when unlisted: the cautious reading)."""
    for cls in type(exc).__mro__:
        if cls in HTTPX_ERRORS:
            return HTTPX_ERRORS[cls]
    return "no_answer"


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
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_retries: int | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.call_timeout = call_timeout
        self.max_response_bytes = max_response_bytes
        self.limiter = limiter
        self.retry = retry if retry is not None else RetryPolicy()
        if max_retries is not None:
            self.retry.max_retries = max_retries
            self.retry.max_rate_limited_retries = min(self.retry.max_rate_limited_retries, max_retries)
        self._sleep = sleep
        self._clock = clock
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
        if self.limiter is not None:
            await self.limiter.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, str]] | None = None,
        json_body: Any = None,
        read: bool | None = None,
        expect: str | None = None,
        deadline_at: float | None = None,
        retries: bool = True,
    ) -> ApiResponse:
        """Send one call and return its envelope.

        `read` marks a call safe to repeat (default: GET, POST …/search|aggregate|fields, read-only
        batches); `expect` is the shape `data` must have (default from the route); `deadline_at` a
        monotonic time (default: the current tool call's, else `call_timeout` from now);
        `retries=False` reports the first failure at once (for start-up, which has a fallback).

        Raises:
            ApiError: the upstream answered with an error envelope.
            TransportError: no usable answer (ConnectError, OutcomeUnknown, DeadlineExceeded, BadResponse).
            WaitTooLong: the rate budget or a retry wait would pass the deadline; nothing more was sent.
        """
        method = method.upper()
        if read is None:
            read = is_read(method, path, json_body)
        query = encode_query(params) if isinstance(params, Mapping) else list(params or [])
        size = sum(len(k) + len(v) + 2 for k, v in query)
        if size > MAX_QUERY_BYTES:
            raise InvalidArguments(
                f"The query string would be about {size} bytes; at most {MAX_QUERY_BYTES} can travel in a URL.",
                code="QUERY_TOO_LARGE",
                hint="Use the search tool, which sends the filter in the request body, or split a long $in list.",
            )
        until = deadline_at if deadline_at is not None else deadline.current()
        if until is None:
            until = self._clock() + self.call_timeout
        attempt = 0
        while True:
            remaining = until - self._clock()
            if remaining <= MIN_ATTEMPT_SECONDS:
                raise self._out_of_time(method, path, read)
            try:
                if self.limiter is None:
                    return await self._attempt_within(until, method, path, query, json_body, read, expect)
                # The booking is held until the answer is in: the portal counts the request somewhere
                # in between, and only the answer tells us that moment has passed.
                async with self.limiter.turn(method, path, json_body, max_wait=remaining - MIN_ATTEMPT_SECONDS):
                    return await self._attempt_within(until, method, path, query, json_body, read, expect)
            except WaitTooLong:
                raise  # nothing was sent; the caller learns when to retry
            except VibeCodeError as exc:
                if not retries:
                    raise self._final(exc, method, path, read, None) from exc
                decision = self.retry.decide(exc, read=read, attempt=attempt, remaining=until - self._clock())
                if decision.give_up:
                    raise self._final(exc, method, path, read, decision.retry_after) from exc
                log.info("retrying %s %s in %.2fs after %s", method, path, decision.wait, exc.code)
                attempt += 1
                if decision.rate_limited and self.limiter is not None:
                    await self.limiter.penalize(decision.wait)  # everyone sharing the budget holds back
                else:
                    await self._sleep(decision.wait)

    def _final(
        self, exc: VibeCodeError, method: str, path: str, read: bool, retry_after: float | None
    ) -> VibeCodeError:
        """The error to report: a write the upstream may have run becomes OutcomeUnknown."""
        if isinstance(exc, ApiError):
            if retry_after is not None and exc.retry_after is None:
                exc.retry_after = retry_after
            if not read and exc.status >= 500 and not self.retry.not_run(exc.code, exc.status):
                return outcome_unknown(method, path, f"the API answered {exc.code} (HTTP {exc.status}): {exc.message}")
        return exc

    def _out_of_time(self, method: str, path: str, read: bool) -> VibeCodeError:
        if read:
            return DeadlineExceeded(
                f"No usable answer to {method} {path} before the call's deadline.",
                hint="Retry; if it keeps timing out, ask for less (filter, select, smaller limit) "
                "or raise VIBECODE_CALL_TIMEOUT.",
            )
        return outcome_unknown(method, path, "no answer came before the call's deadline.")

    async def _attempt_within(
        self,
        until: float,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: Any,
        read: bool,
        expect: str | None,
    ) -> ApiResponse:
        with anyio.move_on_after(max(0.0, until - self._clock())):
            return await self._attempt(method, path, query, body, read, expect)
        raise self._out_of_time(method, path, read)

    async def _attempt(
        self, method: str, path: str, query: list[tuple[str, str]], body: Any, read: bool, expect: str | None
    ) -> ApiResponse:
        started = time.perf_counter()
        try:
            request = self._http.build_request(method, path, params=tuple(query), json=body)
            resp = await self._http.send(request, stream=True)
        except HTTPX_ROOTS as exc:
            raise self._unanswered(exc, method, path, read) from None
        try:
            content = await self._read_capped(resp, method, path, read)
        except HTTPX_ROOTS as exc:
            raise self._unreadable(exc, resp.status_code, method, path, read) from None
        finally:
            await resp.aclose()
        log.debug("%s %s -> %s in %.1f ms", method, path, resp.status_code, 1000 * (time.perf_counter() - started))
        if self.limiter is not None:
            await self.limiter.observe_headers(resp.headers)
        result = parse(resp.status_code, resp.headers, content, method=method, path=path, read=read, expect=expect)
        if self.limiter is not None and path.rstrip("/") == "/v1/me":
            self.limiter.observe_me(result.data)
        return result

    async def _read_capped(self, resp: httpx.Response, method: str, path: str, read: bool) -> bytes:
        cap = self.max_response_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(method, path, read, int(declared))
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise self._too_large(method, path, read, size)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, method: str, path: str, read: bool, size: int) -> VibeCodeError:
        if not read:
            why = f"its answer is over {self.max_response_bytes} bytes and was not read."
            return outcome_unknown(method, path, why)
        return ResponseTooLarge(
            f"The answer to {method} {path} is over the {self.max_response_bytes}-byte cap "
            f"({size} bytes or more); it was not read.",
            hint="Ask for less: a smaller limit, fewer fields in select, a narrower filter; "
            "or raise VIBECODE_MAX_RESPONSE_BYTES.",
        )

    def _unanswered(self, exc: BaseException, method: str, path: str, read: bool) -> VibeCodeError:
        kind = httpx_kind(exc)
        name = type(exc).__name__
        if kind in ("not_sent", "config"):
            return ConnectError(
                f"Cannot reach the VibeCode API at {self.base_url}: {name}.",
                hint="Check VIBECODE_BASE_URL and the network; unset VIBECODE_API_KEY to use the demo portal.",
                retryable=kind == "not_sent",
            )
        if kind == "bad_body":
            return self._unreadable(exc, None, method, path, read)
        if read:
            return OutcomeUnknown(
                f"The VibeCode API did not answer the read {method} {path} ({name}).",
                hint="Retry the read.",
                retryable=True,
            )
        return outcome_unknown(method, path, f"the connection failed before an answer came ({name}).")

    def _unreadable(self, exc: BaseException, status: int | None, method: str, path: str, read: bool) -> VibeCodeError:
        name = type(exc).__name__
        got = f"HTTP {status}" if status is not None else "an answer"
        if httpx_kind(exc) == "no_answer" and status is None:
            return self._unanswered(exc, method, path, read)
        if not read:
            return outcome_unknown(method, path, f"the API answered {got} but its body could not be read ({name}).")
        return BadResponse(
            f"The VibeCode API answered {method} {path} with {got} whose body could not be read ({name}).",
            hint="Retry; if it persists, a proxy in between may be mangling answers (e.g. a wrong Content-Encoding).",
        )
