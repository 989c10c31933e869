"""One real subprocess per transport: stdio (what Claude Desktop launches) and Streamable HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

pytestmark = pytest.mark.anyio


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}
    env.update(extra)
    return env


async def test_stdio_subprocess_serves_the_demo_portal() -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "server"], env=child_env())
    with anyio.fail_after(30):
        async with Client(params, mode="legacy") as c:
            tools = await c.list_tools()
            assert "deals_search" in {t.name for t in tools.tools}
            res = await c.call_tool("deals_search", {"limit": 5, "filter": {"stageId": {"$in": ["NEW", "WON"]}}})
    assert not res.is_error
    assert res.structured_content is not None and res.structured_content["returned"] == 5
    assert {r["stageId"] for r in res.structured_content["items"]} <= {"NEW", "WON"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_http_subprocess_requires_its_bearer_token_and_answers_with_it() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--transport", "http", "--port", str(port)],
        env=child_env(VIBECODE_HTTP_TOKEN="tok123"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                await anyio.sleep(0.1)
        url = f"http://127.0.0.1:{port}/mcp"
        async with httpx.AsyncClient() as raw:
            denied = await raw.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert denied.status_code == 401
        async with (
            httpx2.AsyncClient(headers={"Authorization": "Bearer tok123"}) as authed,
            Client(streamable_http_client(url, http_client=authed), mode="legacy") as c,
        ):
            res = await c.call_tool("me", {})
        assert not res.is_error and res.structured_content is not None
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert b"Streamable HTTP" in err and b"DEMO" in err
