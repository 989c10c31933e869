"""Real processes for the shared-budget tests and benchmarks: a redis-server and a rate-limited demo portal."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from served import ROOT, free_port


def redis_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert proc.poll() is None, f"{what} exited: {log.read_text(errors='replace')[-2000:]}"
            assert time.monotonic() < deadline, f"{what} did not start"
            time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, no persistence; yields its URL."""
    binary = redis_binary()
    assert binary is not None, "redis-server is not installed (make test installs the Debian package)"
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "redis.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(port, proc, "redis-server", log)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(proc)


@dataclass
class Emulator:
    """A `python -m server.emulator --limits` process; `stats` is filled when it stops."""

    proc: subprocess.Popen[bytes]
    base_url: str
    log: Path
    stats: dict[str, Any] = field(default_factory=dict)


@contextmanager
def limited_emulator(*args: str) -> Iterator[Emulator]:
    """The demo portal over HTTP with its limits on (plus `args`); its window stats are read at exit."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "emulator.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "server.emulator", "--port", str(port), "--limits", *args],
                cwd=ROOT,
                env={k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")},
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        emulator = Emulator(proc, f"http://127.0.0.1:{port}", log)
        try:
            wait_for_port(port, proc, "the demo portal", log)
            yield emulator
        finally:
            stop(proc)
            text = log.read_text(errors="replace")
            found = re.search(r"^limits: (.*)$", text, re.M)
            assert found, f"the demo portal printed no limits line: {text[-2000:]}"
            emulator.stats.update(json.loads(found.group(1)))


__all__ = ["Emulator", "limited_emulator", "redis_binary", "redis_server", "stop"]
