"""A real `python -m server --transport http` on loopback for tests and benchmarks."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}},
}
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "probe", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def tool_call(name: str, arguments: dict[str, Any], request_id: int = 1) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and body of a stateless 2026-07-28 `tools/call`: one POST, no session."""
    headers = {**MCP_HEADERS, "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name}
    params = {"name": name, "arguments": arguments, "_meta": MODERN_META}
    return headers, {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def open_fds(self) -> int:
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def probe(self, timeout: float = 5.0, headers: dict[str, str] | None = None) -> float:
        """Seconds an `initialize` took; raises if the server did not answer 200 within `timeout`."""
        start = time.monotonic()
        r = httpx.post(self.url, json=INIT, headers={**MCP_HEADERS, **(headers or {})}, timeout=timeout)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        return time.monotonic() - start


@contextmanager
def served(
    env: dict[str, str] | None = None, nofile: int | None = None, args: tuple[str, ...] = ()
) -> Iterator[Served]:
    """Start the server (optionally under a lowered file limit) and stop it afterwards."""
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}
    child_env.update(env or {})

    def limit() -> None:  # runs in the child before exec
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    with tempfile.TemporaryDirectory() as tmp:
        err_path = Path(tmp) / "stderr.log"
        with err_path.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "server", "--transport", "http", "--port", str(port), *args],
                cwd=ROOT,
                env=child_env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                preexec_fn=limit,  # only setrlimit, before exec
            )
        s = Served(proc, port, err_path)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    assert proc.poll() is None, s.stderr()
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.05)
            yield s
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
