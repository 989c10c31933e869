from __future__ import annotations

import logging
import subprocess
import sys

import httpx
import pytest

from server.__main__ import check_portal
from server.client import VibeCodeClient

pytestmark = pytest.mark.anyio


async def test_portal_check_logs_one_actionable_line_for_a_rejected_key(caplog: pytest.LogCaptureFixture) -> None:
    def handler(r: httpx.Request) -> httpx.Response:
        err = {"code": "INVALID_API_KEY", "message": "Invalid API key"}
        return httpx.Response(401, json={"success": False, "error": err})

    caplog.set_level(logging.INFO)
    async with VibeCodeClient("vibe_api_wrong", transport=httpx.MockTransport(handler)) as client:
        assert await check_portal(client) is False
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "INVALID_API_KEY" in line and "VIBECODE_API_KEY" in line and "vibe_api_wrong" not in line


async def test_portal_check_names_the_portal_on_success(caplog: pytest.LogCaptureFixture) -> None:
    body = {"success": True, "data": {"portal": "acme.bitrix24.ru", "owner": {"name": "Anna"}}}
    caplog.set_level(logging.INFO)
    async with VibeCodeClient("k", transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))) as c:
        assert await check_portal(c) is True
    assert "connected to acme.bitrix24.ru as Anna" in caplog.text


def test_bad_configuration_exits_2_with_one_line_on_stderr() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "server"],
        env={"VIBECODE_RATE_LIMIT": "fast", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "vibecode-mcp: VIBECODE_RATE_LIMIT='fast' is not a number."
