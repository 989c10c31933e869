"""The portal behind httpx (in process) and behind uvicorn (over a socket); its speed is in bench/emulator.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal

BASE_URL = "https://vibecode.bitrix24.tech"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.anyio
async def test_httpx_client_talks_to_the_portal_without_sockets() -> None:
    """Overview curl examples, sent through `httpx.AsyncClient(transport=EmulatorTransport(portal))`."""
    portal = Portal(data={"deals": [{"id": 1, "title": "A", "amount": 5.0}]})
    async with httpx.AsyncClient(
        transport=EmulatorTransport(portal), base_url=BASE_URL, headers={"X-Api-Key": DEMO_API_KEY}
    ) as client:
        listed = await client.get("/v1/deals", params={"filter[>=amount]": "1", "select": "id,title"})
        assert listed.status_code == 200
        assert listed.json()["data"] == [{"id": 1, "title": "A"}]
        assert listed.headers["x-request-id"]
        created = await client.post("/v1/deals", json={"title": "B"})
        assert (created.status_code, created.json()["data"]["id"]) == (201, 2)
        deleted = await client.delete("/v1/deals/2")
        assert (deleted.status_code, deleted.content) == (204, b"")
        anonymous = await client.get("/v1/me", headers={"X-Api-Key": ""})
        assert anonymous.status_code == 401


def test_python_m_server_emulator_serves_http_on_a_free_port() -> None:
    """`python -m server.emulator --port 0` binds a free port, says where on stderr, answers over TCP."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.emulator", "--port", "0", "--scale", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        base_url = None
        deadline = time.monotonic() + 20
        while base_url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            found = re.search(r"base URL (http://\S+)", line)
            base_url = found.group(1) if found else None
        assert base_url, "the emulator did not print its base URL"
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"{base_url}/v1/me", headers={"X-Api-Key": DEMO_API_KEY}, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert response is not None and response.status_code == 200
        assert response.json()["data"]["type"] == "personal"
        assert response.headers["x-request-id"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()
