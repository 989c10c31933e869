"""Attacks on a real `python -m server --transport http`: it keeps answering, within bounds.

Each test floods the server one way and asserts that a probe still gets an answer quickly, that
descriptors, memory and the log stay bounded, and that nothing secret or oversized comes back.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from served import INIT, MCP_HEADERS, Served, served, tool_call

pytestmark = pytest.mark.anyio
PROBE_BOUND = 3.0  # seconds within which a probe must be answered while under attack


def clean_log(s: Served, max_bytes: int = 20_000) -> None:
    log = s.stderr()
    assert "Traceback" not in log, log[-3000:]
    assert len(log) < max_bytes, f"{len(log)} bytes of log: {log[:2000]}"


def connect_idle(port: int, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(("127.0.0.1", port))
        socks.append(s)
    return socks


def trickle(port: int, opening: bytes, stop: threading.Event, results: list[tuple[str, float]]) -> None:
    """Send `opening`, then one byte every 0.3 s; record how and when the server ended it."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(opening)
            s.settimeout(0.3)
            while not stop.is_set():
                s.sendall(b"x")
                try:
                    data = s.recv(4096)
                except TimeoutError:
                    continue
                results.append((data[9:12].decode() if data else "closed", time.monotonic() - start))
                return
            results.append(("still open", time.monotonic() - start))
    except OSError:  # reset or refused: the server cut it off
        results.append(("closed", time.monotonic() - start))


def test_idle_and_slow_connections_past_the_file_limit_do_not_stop_the_server() -> None:
    env = {"VIBECODE_HTTP_HEADER_TIMEOUT": "2", "VIBECODE_HTTP_BODY_TIMEOUT": "2"}
    with served(env, nofile=256) as s:
        stop = threading.Event()
        results: list[tuple[str, float]] = []
        head = f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n".encode()
        body = head + b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        slow = [threading.Thread(target=trickle, args=(s.port, head, stop, results)) for _ in range(20)]
        slow += [threading.Thread(target=trickle, args=(s.port, body, stop, results)) for _ in range(20)]
        for t in slow:
            t.start()
        idle = connect_idle(s.port, 400)  # with the slow ones, well past the 256 descriptors the server has
        try:
            probes = []
            for _ in range(10):
                probes.append(s.probe(timeout=PROBE_BOUND))
                time.sleep(0.4)
            assert s.open_fds() < 256
        finally:
            stop.set()
            for t in slow:
                t.join(timeout=10)
            for sock in idle:
                sock.close()
        assert max(probes) < PROBE_BOUND
        # Every slow connection was cut off within the timeouts: closed, or answered 408 and closed.
        assert len(results) == 40 and all(how in ("closed", "408") and took < 6 for how, took in results), results
        s.probe()
        clean_log(s)


async def initialize(client: httpx.AsyncClient, url: str) -> str:
    r = await client.post(url, json=INIT, headers=MCP_HEADERS)
    assert r.status_code == 200, r.text
    return r.headers["mcp-session-id"]


async def test_a_session_flood_neither_locks_out_new_clients_nor_grows_memory() -> None:
    with served({"VIBECODE_HTTP_MAX_SESSIONS": "30"}) as s:
        before = s.rss_mb()
        ids: list[str] = []
        limiter = anyio.Semaphore(20)

        async def one(client: httpx.AsyncClient) -> None:
            async with limiter:
                ids.append(await initialize(client, s.url))

        async with httpx.AsyncClient(timeout=20) as raw:
            first = await initialize(raw, s.url)
            async with anyio.create_task_group() as tg:
                for _ in range(300):
                    tg.start_soon(one, raw)
            # The oldest sessions were replaced (404 tells a client to start again), the newest serve.
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            old = await raw.post(s.url, json=ping, headers={**MCP_HEADERS, "mcp-session-id": first})
            assert old.status_code == 404
            new = await raw.post(s.url, json=ping, headers={**MCP_HEADERS, "mcp-session-id": ids[-1]})
            assert new.status_code == 200
        assert len(set(ids)) == 300
        with anyio.fail_after(PROBE_BOUND * 3):
            async with Client(s.url, mode="legacy") as c:
                assert not (await c.call_tool("deals_search", {"limit": 2})).is_error
        assert s.rss_mb() - before < 60, (before, s.rss_mb())
        clean_log(s)


async def test_two_hundred_concurrent_clients_are_all_served() -> None:
    """200 clients at once, each on its own connection: 180 stateless calls and 20 full SDK sessions."""
    with served({"VIBECODE_RATE_LIMIT": "1000"}) as s:  # the portal budget would pace the calls, not the server
        failures: list[str] = []
        served_ok = 0
        args = {"limit": 3, "filter": {"stageId": "WON"}}

        # One pool of 200 connections: building 200 httpx clients would cost the test more than the server.
        pool = httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=200))

        async def raw(i: int) -> None:
            nonlocal served_ok
            headers, body = tool_call("deals_search", args, i)
            r = await pool.post(s.url, json=body, headers=headers)
            result = r.json().get("result", {}) if r.status_code == 200 else {}
            if result.get("structuredContent", {}).get("returned") == 3 and not result.get("isError"):
                served_ok += 1
            else:
                failures.append(f"{r.status_code} {r.text[:200]}")

        async def sdk(i: int) -> None:
            nonlocal served_ok
            try:
                async with Client(s.url, mode="legacy") as c:
                    r = await c.call_tool("deals_search", args)
                assert not r.is_error and r.structured_content is not None
                assert r.structured_content["returned"] == 3
                served_ok += 1
            except Exception as exc:  # collected, so one failure does not hide the others
                failures.append(repr(exc)[:200])

        with anyio.fail_after(90):
            async with pool, anyio.create_task_group() as tg:
                for i in range(200):
                    tg.start_soon(sdk if i % 10 == 0 else raw, i)
        assert not failures and served_ok == 200, failures[:5]
        s.probe(timeout=PROBE_BOUND)
        clean_log(s)


KEY = "vibe_api_EchoedBackKey2026"
TOKEN = "tok-abuse-Secret-0042"


class Echoing(BaseHTTPRequestHandler):
    """A hostile upstream: puts the API key it was sent into every answer, errors padded to 1 MB."""

    def _answer(self) -> None:
        key = self.headers.get("X-Api-Key", "")
        if self.path.startswith("/v1/me"):
            status, body = 200, {"success": True, "data": {"portal": f"portal {key}", "owner": {"name": key}}}
        else:
            message = f"key {key} rejected; " + "x" * 1_000_000
            status, body = 400, {"success": False, "error": {"code": "BAD_KEY", "message": message, "hint": key}}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echoing_upstream() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echoing)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_an_upstream_echoing_the_key_leaks_nothing_secret_or_oversized(echoing_upstream: str) -> None:
    env = {"VIBECODE_API_KEY": KEY, "VIBECODE_BASE_URL": echoing_upstream, "VIBECODE_HTTP_TOKEN": TOKEN}
    with served(env) as s:
        answers = []
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"bearer {TOKEN}"}) as authed,
            Client(streamable_http_client(s.url, http_client=authed), mode="legacy") as c,
        ):
            for name, args in [("me", {}), ("deals_get", {"id": 1}), ("deals_search", {TOKEN: KEY})]:
                answers.append(json.dumps((await c.call_tool(name, args)).model_dump(mode="json")))
        assert all(KEY not in a and TOKEN not in a for a in answers), answers
        assert all(len(a) < 8000 for a in answers), [len(a) for a in answers]
        assert "rejected" in answers[1]
        await anyio.sleep(0.5)  # the start-up portal check logs in the background
        log = s.stderr()
        assert KEY not in log and TOKEN not in log and "[redacted]" in log, log[-2000:]
        s.probe(headers={"Authorization": f"Bearer {TOKEN}"})
        clean_log(s)


async def test_stateless_serving_keeps_no_sessions_and_checks_host_and_origin() -> None:
    with served(args=("--stateless",)) as s:
        async with httpx.AsyncClient(timeout=10) as raw:
            r = await raw.post(s.url, json=INIT, headers=MCP_HEADERS)
            assert r.status_code == 200 and "mcp-session-id" not in r.headers
            rebound = await raw.post(s.url, json=INIT, headers={**MCP_HEADERS, "host": "attacker.example"})
            assert rebound.status_code == 421
            cross = await raw.post(s.url, json=INIT, headers={**MCP_HEADERS, "origin": "http://attacker.example"})
            assert cross.status_code == 403
        for mode in ("legacy", "auto"):  # any replica can answer any request: nothing lives between them
            async with Client(s.url, mode=mode) as c:
                r = await c.call_tool("deals_search", {"limit": 1})
                assert not r.is_error and r.structured_content is not None
                nxt = await c.call_tool("deals_search", {"limit": 1, "cursor": r.structured_content["next_cursor"]})
                assert not nxt.is_error
        clean_log(s)


async def test_stateless_replicas_sharing_a_cursor_secret_answer_each_others_requests() -> None:
    env = {"VIBECODE_CURSOR_SECRET": "one-secret-for-every-replica-2026"}
    with served(env, args=("--stateless",)) as a, served(env, args=("--stateless",)) as b:
        async with httpx.AsyncClient(timeout=20) as raw:
            # A 2025-era client initializes on one replica and calls the other: no session ties them.
            assert (await raw.post(a.url, json=INIT, headers=MCP_HEADERS)).status_code == 200
            call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call"}
            call["params"] = {"name": "deals_search", "arguments": {"limit": 2}}
            legacy = {**MCP_HEADERS, "mcp-protocol-version": "2025-11-25"}
            r = await raw.post(b.url, json=call, headers=legacy)
            assert r.status_code == 200 and '"returned":2' in r.text.replace(" ", "")
        async with Client(a.url) as ca, Client(b.url) as cb:
            first = await ca.call_tool("deals_search", {"limit": 2})
            assert first.structured_content is not None
            second = await cb.call_tool("deals_search", {"limit": 2, "cursor": first.structured_content["next_cursor"]})
        assert not second.is_error and second.structured_content is not None
        seen = {r["id"] for r in first.structured_content["items"]}
        assert {r["id"] for r in second.structured_content["items"]}.isdisjoint(seen)


class Hostile(BaseHTTPRequestHandler):
    """An upstream that trickles its answers one byte a second, or sends 200 MB of junk."""

    mode = "trickle"
    requests = 0

    def _answer(self) -> None:
        type(self).requests += 1
        if self.path.startswith("/v1/me"):
            raw = json.dumps({"success": True, "data": {"portal": "p", "owner": {"name": "o"}}}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return
        size = 200 * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no Content-Length: the body runs until the connection closes
        try:
            if self.mode == "trickle":
                for _ in range(120):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            else:
                chunk = b"x" * (1 << 20)
                for _ in range(size // len(chunk)):
                    self.wfile.write(chunk)
        except OSError:
            pass  # the server hung up, as it should

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("mode", ["trickle", "huge"])
def test_a_trickling_or_huge_upstream_answer_is_cut_off(mode: str) -> None:
    handler = type("H", (Hostile,), {"mode": mode, "requests": 0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    env = {
        "VIBECODE_API_KEY": KEY,
        "VIBECODE_BASE_URL": f"http://127.0.0.1:{httpd.server_address[1]}",
        "VIBECODE_CALL_TIMEOUT": "3",
        "VIBECODE_TIMEOUT": "2",
        "VIBECODE_MAX_RESPONSE_BYTES": str(8 * 1024 * 1024),
    }
    try:
        with served(env) as s:
            before = s.rss_mb()
            headers, body = tool_call("deals_get", {"id": 1})
            start = time.monotonic()
            with httpx.Client(timeout=60) as client:
                answer = client.post(s.url, json=body, headers=headers)
                took = time.monotonic() - start
                assert s.probe(timeout=PROBE_BOUND) < PROBE_BOUND
            result = answer.json()["result"]
            assert result["isError"] and took < 10, (took, str(result)[:500])
            assert len(answer.content) < 8000 and KEY not in answer.text
            assert s.rss_mb() - before < 60, (before, s.rss_mb())
            if mode == "huge":
                # /v1/me and the field metadata batch at start, then one try: a body too big is not retried
                assert handler.requests <= 3
            clean_log(s)
    finally:
        httpd.shutdown()
        httpd.server_close()
