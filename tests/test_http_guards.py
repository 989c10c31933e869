"""The HTTP transport's access checks and request bounds, secret redaction, and short error echoes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from server.__main__ import assemble, redactor_for
from server.errors import ConfigError
from server.httpauth import BearerAuth, HostOriginGuard, default_hosts
from server.httpguard import connection_limits, fit_busy, quiet_accept_errors
from server.httplimits import RequestLimits
from server.redact import MASK, Redactor, clip
from server.settings import Secret, Settings, load_settings

pytestmark = pytest.mark.anyio
KEY = "vibe_api_Sup3rSecretKey"
TOKEN = "tok-Another-Secret-42"

Message = MutableMapping[str, Any]


async def ok_app(scope: Any, receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def asgi(
    app: Any, headers: dict[str, str], chunks: list[bytes] | None = None, gap: float = 0
) -> tuple[int, bytes]:
    """One request through an ASGI app; the body arrives in `chunks`, `gap` seconds apart."""
    pending = list(chunks or [b""])
    sent: list[Message] = []

    async def receive() -> Message:
        if not pending:
            await anyio.sleep_forever()
        if gap:
            await anyio.sleep(gap)
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/mcp",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("header", ["Bearer s3cret-token", "bearer s3cret-token", "BEARER  s3cret-token"])
async def test_the_bearer_scheme_is_case_insensitive(header: str) -> None:
    assert (await asgi(BearerAuth(ok_app, "s3cret-token"), {"authorization": header}))[0] == 200


@pytest.mark.parametrize("header", ["", "Bearer wrong", "Basic s3cret-token", "Bearer", "s3cret-token"])
async def test_a_missing_or_wrong_token_is_refused(header: str) -> None:
    status, body = await asgi(BearerAuth(ok_app, "s3cret-token"), {"authorization": header})
    assert status == 401 and b"s3cret" not in body


@pytest.mark.parametrize(
    ("host", "origin", "status"),
    [
        ("127.0.0.1:8000", "", 200),
        ("localhost:8000", "http://localhost:5173", 200),
        ("[::1]:8000", "", 200),
        ("mcp.example.com", "https://mcp.example.com", 200),
        ("evil.example:8000", "", 421),  # DNS rebinding: a page's own name pointed at this machine
        ("127.0.0.1:8000", "http://evil.example", 403),  # a cross-site page calling loopback
        ("", "", 421),
        ("127.0.0.1:8000", "https://app.example.org", 200),
    ],
)
async def test_host_and_origin_must_be_allowed(host: str, origin: str, status: int) -> None:
    guard = HostOriginGuard(ok_app, [*default_hosts("127.0.0.1"), "mcp.example.com"], ["https://app.example.org"])
    headers = {"host": host, **({"origin": origin} if origin else {})}
    assert (await asgi(guard, headers))[0] == status


def test_default_hosts_are_the_bound_address_and_loopback() -> None:
    assert default_hosts("10.1.2.3") == ["127.0.0.1", "localhost", "[::1]", "10.1.2.3"]
    assert "[fd00::5]" in default_hosts("fd00::5")
    wildcard = default_hosts("0.0.0.0")
    assert "localhost" in wildcard and len(wildcard) > 3  # plus this machine's own names


async def test_a_star_allows_any_host() -> None:
    assert (await asgi(HostOriginGuard(ok_app, ["*"], []), {"host": "anything.example"}))[0] == 200


async def test_bodies_are_capped_in_size_and_time_and_requests_in_number() -> None:
    limits = RequestLimits(ok_app, max_in_flight=2, max_body=1000, body_timeout=0.3)
    assert await asgi(limits, {}, [b"a" * 400, b"b" * 400]) == (200, b"a" * 400 + b"b" * 400)
    assert (await asgi(limits, {"content-length": "5000"}, [b"x"]))[0] == 413
    assert (await asgi(limits, {}, [b"a" * 600, b"b" * 600]))[0] == 413
    assert (await asgi(limits, {}, [b"a", b"b", b"c", b"d"], gap=0.2))[0] == 408
    statuses: list[int] = []

    async def slow() -> None:
        statuses.append((await asgi(limits, {}, [b"a", b"b"], gap=0.1))[0])

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(slow)
    assert sorted(statuses) == [200, 200, 503] and limits.in_flight == 0


def test_the_connection_cap_stays_below_the_file_limit_with_room_to_serve() -> None:
    small = connection_limits(10_000, 5.0, nofile=1024)
    assert small.max_connections + small.backlog * 3 < 1024 and small.max_connections >= 512
    assert connection_limits(300, 5.0, nofile=65536).max_connections == 300


@pytest.mark.parametrize("key", ["vibe_api_ключ", "vibe_api_\x01abc", "vibe\x7fkey"])
def test_a_key_that_cannot_go_in_a_header_is_one_configuration_line(key: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings({"VIBECODE_API_KEY": key})
    assert "VIBECODE_API_KEY" in exc.value.message and "\n" not in exc.value.message


def test_http_limits_and_allow_lists_come_from_the_environment() -> None:
    s = load_settings(
        {
            "VIBECODE_HTTP_MAX_SESSIONS": "20",
            "VIBECODE_HTTP_HEADER_TIMEOUT": "2.5",
            "VIBECODE_HTTP_ALLOWED_HOSTS": "mcp.example.com, 10.0.0.5",
            "VIBECODE_HTTP_ALLOWED_ORIGINS": "https://app.example.org/",
        },
        ["--stateless"],
    )
    assert (s.http_limits.max_sessions, s.http_limits.header_timeout, s.http_stateless) == (20, 2.5, True)
    assert s.http_allowed_hosts == ("mcp.example.com", "10.0.0.5")
    assert s.http_allowed_origins == ("https://app.example.org",)
    with pytest.raises(ConfigError, match="VIBECODE_HTTP_MAX_SESSIONS"):
        load_settings({"VIBECODE_HTTP_MAX_SESSIONS": "0"})


def test_the_redactor_masks_every_form_of_a_secret() -> None:
    r = Redactor([KEY, None, "short"])
    assert r.text(f"key={KEY}&x={KEY}") == f"key={MASK}&x={MASK}"
    nested = {"a": [f"Bearer {KEY}", {"k": 1}], KEY: "v"}
    assert json.dumps(r.value(nested)).count(MASK) == 2 and KEY not in json.dumps(r.value(nested))
    clean = {"a": ["short", 1]}
    assert r.value(clean) is clean
    assert clip("x" * 1000, 10) == "xxxxxxxxxx…(+990 chars)"


def test_log_records_are_redacted_with_their_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    r = Redactor([KEY])
    handler = logging.StreamHandler(stream := __import__("io").StringIO())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        r.install_logging()
        try:
            raise ValueError(f"bad key {KEY}")
        except ValueError:
            logging.getLogger("x").exception("call with %s failed", KEY)
    finally:
        root.removeHandler(handler)
    assert "bad key" in stream.getvalue() and KEY not in stream.getvalue()


class EchoingUpstream(httpx.AsyncBaseTransport):
    """An upstream that echoes the API key back in errors and in data."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("x-api-key", "")
        if request.url.path == "/v1/me":
            return httpx.Response(200, json={"success": True, "data": {"portal": f"p-{key}", "owner": {"name": key}}})
        return httpx.Response(
            400, json={"success": False, "error": {"code": "BAD", "message": f"key {key} is not allowed here"}}
        )


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_secrets_echoed_by_the_upstream_or_the_caller_never_reach_the_client(mode: str) -> None:
    settings = Settings(api_key=Secret(KEY), http_token=Secret(TOKEN), base_url="http://upstream.test")
    async with assemble(settings, transport=EchoingUpstream()) as built, Client(built.server, mode=mode) as c:
        await c.list_tools()
        results = [
            await c.call_tool("me", {}),
            await c.call_tool("deals_get", {"id": 1}),
            await c.call_tool("deals_search", {TOKEN: 1}),  # the token quoted back as an unknown argument
        ]
    dumped = json.dumps([r.model_dump(mode="json") for r in results])
    assert KEY not in dumped and TOKEN not in dumped and MASK in dumped
    assert results[1].is_error and "is not allowed here" in dumped
    assert redactor_for(settings).forms  # both secrets are known to the redactor


@pytest.mark.parametrize(
    "args",
    [
        {"x" * 1_000_000: 1},
        {"filter": {"y" * 1_000_000: 1}},
        {"limit": "z" * 1_000_000},
        {"select": ["w" * 1_000_000]},
    ],
    ids=["argument-name", "filter-field", "value", "select-item"],
)
async def test_huge_bad_input_gives_a_short_error(args: dict[str, Any]) -> None:
    async with assemble(Settings()) as built, Client(built.server) as c:
        await c.list_tools()
        result = await c.call_tool("deals_search", args)
    assert result.is_error
    assert len(json.dumps(result.model_dump(mode="json"))) < 6000


def test_accept_errors_are_logged_once_per_interval_without_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    try:
        quiet_accept_errors(loop)
        handler = loop.get_exception_handler()
        assert handler is not None
        context = {"message": "socket.accept() out of system resource", "exception": OSError(24, "Too many open files")}
        with caplog.at_level(logging.WARNING):
            for _ in range(2000):
                handler(loop, context)
        assert len(caplog.records) == 1 and not caplog.records[0].exc_info
    finally:
        loop.close()


def test_busy_connections_leave_idle_room_under_the_cap() -> None:
    assert fit_busy(1000, 500, 256) == (500, 256)
    sessions, requests = fit_busy(192, 500, 256)
    assert sessions + requests <= 172 and sessions > requests > 0


def test_a_key_that_cannot_go_in_a_header_stops_start_up_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}
    out = subprocess.run(
        [sys.executable, "-m", "server"],
        env={**env, "VIBECODE_API_KEY": "vibe_api_ключ"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "VIBECODE_API_KEY" in out.stderr and "ключ" not in out.stderr
