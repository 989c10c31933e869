"""The client's error boundary: every httpx failure mapped, per-code retry policy, deadline, size cap, shapes."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx
import pytest

from server import errors
from server.client import HTTPX_ERRORS, VibeCodeClient, httpx_kind
from server.deadline import call_deadline
from server.ratelimit import MemoryStorage, RateLimiter

pytestmark = pytest.mark.anyio

OK_LIST = {"success": True, "data": []}
OK_OBJECT = {"success": True, "data": {"id": 1}}


class Recorder:
    """Counts upstream calls and the sleeps the client asks for (no real sleeping)."""

    def __init__(self) -> None:
        self.calls = 0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(handler: Callable[[httpx.Request], Any], rec: Recorder, **kw: Any) -> VibeCodeClient:
    def counted(request: httpx.Request) -> Any:
        rec.calls += 1
        return handler(request)

    return VibeCodeClient("vibe_api_k", transport=httpx.MockTransport(counted), sleep=rec.sleep, **kw)


def envelope(status: int, code: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"success": False, "error": {"code": code, "message": code.lower(), **extra}})


# --- every httpx exception is mapped ------------------------------------------------------------------


def httpx_exception_classes() -> list[type[Exception]]:
    return sorted(
        {obj for name in httpx.__all__ if inspect.isclass(obj := getattr(httpx, name)) and issubclass(obj, Exception)},
        key=lambda c: c.__name__,
    )


def test_every_httpx_exception_class_has_an_explicit_mapping() -> None:
    """Like httpx's own mapping test: a new httpx exception class must be classified on purpose."""
    missing = [cls.__name__ for cls in httpx_exception_classes() if cls not in HTTPX_ERRORS]
    assert not missing, f"add to HTTPX_ERRORS: {missing}"


def make(cls: type[Exception], request: httpx.Request) -> Exception:
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("boom", request=request, response=httpx.Response(500, request=request))
    for args, kwargs in (((("boom",), {"request": request})), (("boom",), {}), ((), {})):
        try:
            return cls(*args, **kwargs)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {cls}")  # pragma: no cover


@pytest.mark.parametrize("cls", httpx_exception_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_each_httpx_exception_becomes_a_project_error_and_a_write_is_repeated_only_if_never_sent(
    cls: type[Exception], method: str
) -> None:
    rec = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        raise make(cls, request)

    path = "/v1/deals" if method == "GET" else "/v1/deals"
    async with client(handler, rec) as c:
        with pytest.raises(errors.VibeCodeError) as exc:
            await c.request(method, path, json_body=None if method == "GET" else {"title": "x"})
    assert not isinstance(exc.value, httpx.HTTPError)
    kind = httpx_kind(make(cls, httpx.Request("GET", "http://x")))
    if method == "POST":
        if kind == "not_sent":
            assert isinstance(exc.value, errors.ConnectError) and rec.calls == 4
        elif kind == "config":
            assert isinstance(exc.value, errors.ConnectError) and rec.calls == 1
        else:
            assert isinstance(exc.value, errors.OutcomeUnknown) and rec.calls == 1
            assert "Search deals for the record (e.g. by its title) before creating it again." in str(exc.value.hint)


async def test_a_body_labelled_gzip_that_is_not_is_a_bad_response_for_a_read() -> None:
    rec = Recorder()

    def bad(request: httpx.Request) -> httpx.Response:
        body = httpx.ByteStream(b'{"success":true,"data":[]}')
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=body)

    async with client(bad, rec) as c:
        with pytest.raises(errors.BadResponse) as exc:
            await c.request("GET", "/v1/deals")
    assert "DecodingError" in exc.value.message and rec.calls == 4  # a read: retried, then reported


async def test_the_startup_key_check_survives_a_decoding_error() -> None:
    from server.__main__ import check_portal

    rec = Recorder()

    def bad(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip"))

    async with client(bad, rec) as c:
        assert await check_portal(c) is False


# --- envelopes and the retry policy per code ------------------------------------------------------------


async def test_success_false_under_http_200_maps_by_its_code_and_is_not_retried() -> None:
    rec = Recorder()
    async with client(lambda r: envelope(200, "VALIDATION_ERROR"), rec) as c:
        with pytest.raises(errors.BadRequest) as exc:
            await c.request("GET", "/v1/deals")
    assert rec.calls == 1 and exc.value.code == "VALIDATION_ERROR" and exc.value.retryable is False


async def test_success_false_under_http_200_with_a_retryable_code_is_retried() -> None:
    rec = Recorder()
    answers = iter([envelope(200, "RATE_LIMITED", retryAfter=1), httpx.Response(200, json=OK_LIST)])
    async with client(lambda r: next(answers), rec) as c:
        assert (await c.request("GET", "/v1/deals")).data == []
    assert rec.calls == 2 and 1 <= rec.waits[0] <= 1.2


async def test_the_envelope_code_wins_over_a_contradicting_http_status() -> None:
    rec = Recorder()
    async with client(lambda r: envelope(500, "ENTITY_NOT_FOUND"), rec) as c:
        with pytest.raises(errors.NotFound) as exc:
            await c.request("GET", "/v1/deals/5")
    assert rec.calls == 1 and exc.value.status == 404


@pytest.mark.parametrize("method", ["GET", "PATCH"])
async def test_error_loop_detected_is_never_retried(method: str) -> None:
    rec = Recorder()
    async with client(lambda r: envelope(429, "ERROR_LOOP_DETECTED", retryAfter=60), rec) as c:
        with pytest.raises(errors.RateLimited) as exc:
            await c.request(method, "/v1/deals/1", json_body={"title": "x"} if method == "PATCH" else None)
    assert rec.calls == 1 and rec.waits == [] and exc.value.retry_after == 60


@pytest.mark.parametrize(("status", "code"), [(400, "INVALID_FILTER"), (401, "INVALID_API_KEY"), (403, "SCOPE_DENIED"),
                                              (404, "NOT_FOUND"), (400, "HTTP_400"), (404, "HTTP_404")])  # fmt: skip
async def test_client_errors_are_never_retried(status: int, code: str) -> None:
    rec = Recorder()
    answer = envelope(status, code) if not code.startswith("HTTP_") else httpx.Response(status, content=b"nope")
    async with client(lambda r: answer, rec) as c:
        with pytest.raises(errors.ApiError):
            await c.request("GET", "/v1/deals")
    assert rec.calls == 1


async def test_a_retry_after_equal_to_the_maximum_wait_is_waited_for() -> None:
    rec = Recorder()
    answers = iter([envelope(429, "RATE_LIMITED", retryAfter=30), httpx.Response(200, json=OK_LIST)])
    async with client(lambda r: next(answers), rec, call_timeout=120) as c:
        await c.request("GET", "/v1/deals")
    assert rec.waits == [30.0] and rec.calls == 2


async def test_a_retry_after_past_the_deadline_is_reported_at_once_with_the_time_to_retry() -> None:
    rec = Recorder()
    async with client(lambda r: envelope(504, "QUEUE_TIMEOUT", retryAfter=10), rec, call_timeout=5) as c:
        started = time.monotonic()
        with pytest.raises(errors.UpstreamUnavailable) as exc:
            await c.request("GET", "/v1/deals")
    assert rec.waits == [] and rec.calls == 1 and time.monotonic() - started < 1
    assert exc.value.to_dict()["retry_after"] == 10


async def test_a_502_is_retried_after_a_pause() -> None:
    rec = Recorder()
    answers = iter([envelope(502, "BITRIX_UNAVAILABLE"), httpx.Response(200, json=OK_LIST)])
    async with client(lambda r: next(answers), rec) as c:
        await c.request("POST", "/v1/deals/search", json_body={})
    assert rec.calls == 2 and 5 <= rec.waits[0] <= 6


async def test_a_504_queue_timeout_is_waited_out_per_its_retry_after_header_for_a_read_only() -> None:
    def queue_timeout() -> httpx.Response:
        body = {"success": False, "error": {"code": "QUEUE_TIMEOUT", "message": "queue saturated"}}
        return httpx.Response(504, headers={"Retry-After": "3"}, json=body)

    rec = Recorder()
    answers = iter([queue_timeout(), httpx.Response(200, json=OK_LIST)])
    async with client(lambda r: next(answers), rec, call_timeout=30) as c:
        await c.request("POST", "/v1/deals/search", json_body={})
    assert rec.calls == 2 and 3 <= rec.waits[0] <= 3.6
    # A write may have been queued and run after all: reported as unknown, never repeated.
    rec = Recorder()
    async with client(lambda r: queue_timeout(), rec, call_timeout=30) as c:
        with pytest.raises(errors.OutcomeUnknown):
            await c.request("POST", "/v1/deals", json_body={"title": "x"})
    assert rec.calls == 1 and rec.waits == []


# --- deadline, size cap, shapes -------------------------------------------------------------------------


async def test_a_silent_upstream_cannot_hold_a_call_past_its_deadline() -> None:
    async def silent(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(3600)
        raise AssertionError  # pragma: no cover

    async with VibeCodeClient("k", transport=httpx.MockTransport(silent), timeout=600) as c:
        started = time.monotonic()
        with call_deadline(0.5), pytest.raises(errors.DeadlineExceeded):
            await c.request("GET", "/v1/deals")
        with call_deadline(0.3), pytest.raises(errors.OutcomeUnknown) as exc:
            await c.request("DELETE", "/v1/deals/7")
    assert time.monotonic() - started < 1.5
    assert "Get deals 7: ENTITY_NOT_FOUND means the delete went through." in str(exc.value.hint)


async def test_retries_never_outlast_the_deadline() -> None:
    async def slow_failure(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.15)
        return envelope(500, "INTERNAL_ERROR")

    async with VibeCodeClient("k", transport=httpx.MockTransport(slow_failure)) as c:
        started = time.monotonic()
        with call_deadline(1.0), pytest.raises(errors.VibeCodeError):
            await c.request("GET", "/v1/deals")
    assert time.monotonic() - started < 1.5  # without the deadline the backed-off retries would take over 3 s


async def test_a_body_over_the_size_cap_is_refused_once_without_retry() -> None:
    rec = Recorder()
    big = httpx.Response(200, content=b"[" + b"1," * 40_000 + b"1]")
    async with client(lambda r: big, rec, max_response_bytes=64 * 1024) as c:
        with pytest.raises(errors.ResponseTooLarge) as exc:
            await c.request("GET", "/v1/deals")
    assert rec.calls == 1 and "VIBECODE_MAX_RESPONSE_BYTES" in (exc.value.hint or "")


async def test_a_streamed_body_without_length_is_cut_at_the_cap() -> None:
    rec = Recorder()
    read: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(10_000):
            read.append(1)
            yield b"x" * 1024

    async with client(lambda r: httpx.Response(200, content=endless()), rec, max_response_bytes=64 * 1024) as c:
        with pytest.raises(errors.ResponseTooLarge):
            await c.request("GET", "/v1/deals")
    assert len(read) <= 66


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/v1/me", "Portal"),
        ("GET", "/v1/deals/1", ["a"]),
        ("GET", "/v1/deals", {"id": 1}),
        ("POST", "/v1/deals/search", "x"),
        ("GET", "/v1/deals/fields", None),
    ],
)
async def test_data_of_the_wrong_shape_is_a_bad_response(method: str, path: str, data: Any) -> None:
    rec = Recorder()
    async with client(lambda r: httpx.Response(200, json={"success": True, "data": data}), rec, max_retries=0) as c:
        with pytest.raises(errors.BadResponse) as exc:
            await c.request(method, path, json_body={} if method == "POST" else None)
    assert exc.value.code == "BAD_RESPONSE"


async def test_a_write_answered_with_the_wrong_shape_is_outcome_unknown() -> None:
    rec = Recorder()
    async with client(lambda r: httpx.Response(201, json={"success": True, "data": "ok"}), rec) as c:
        with pytest.raises(errors.OutcomeUnknown):
            await c.request("POST", "/v1/deals", json_body={"title": "x"})
    assert rec.calls == 1


# --- the limiter sits in front of every request ---------------------------------------------------------


async def test_every_request_passes_the_limiter_and_adapts_to_what_upstream_says() -> None:
    now = [0.0]
    rec = Recorder()

    async def sleep(seconds: float) -> None:
        rec.waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, 300, storage=MemoryStorage(lambda: now[0]), sleep=sleep)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/me":
            return httpx.Response(200, json={"success": True, "data": {"rateLimit": {"requestsPerSecond": 1}}})
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "50", "X-RateLimit-Reset": "10"}
        return httpx.Response(200, json=OK_LIST, headers=headers)

    async with client(handler, rec, limiter=limiter, clock=lambda: now[0]) as c:
        await c.request("GET", "/v1/me")
        assert limiter.limits == {"portal": 1.0, "key": 300.0}
        for _ in range(3):
            await c.request("GET", "/v1/deals")
    assert limiter.limits == {"portal": 1.0, "key": 100.0}
    assert rec.calls == 4 and rec.waits == pytest.approx([1.0, 1.0, 1.0])


async def test_a_429_holds_the_shared_budget_before_the_retry() -> None:
    now = [0.0]
    rec = Recorder()

    async def sleep(seconds: float) -> None:
        rec.waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10, 300, storage=MemoryStorage(lambda: now[0]), sleep=sleep)
    answers = iter([envelope(429, "RATE_LIMITED", retryAfter=2), httpx.Response(200, json=OK_LIST)])
    async with client(lambda r: next(answers), rec, limiter=limiter, clock=lambda: now[0]) as c:
        await c.request("GET", "/v1/deals")
    assert rec.calls == 2 and len(rec.waits) == 1 and 2 <= rec.waits[0] <= 2.4
