"""Append-only JSONL audit log of every write attempt: who, what, when, and how it ended.

One record is one line written with a single `write()` under an exclusive `flock`, on a file
opened with O_APPEND: concurrent writers (tasks, threads, other server processes on the same file)
never interleave. The log holds values the user wrote to the portal, never the API key or tokens.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STDERR = "-"


def default_path(environ: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/vibecode-mcp/audit.jsonl`, else `~/.local/state/vibecode-mcp/audit.jsonl`."""
    state = environ.get("XDG_STATE_HOME", "").strip()
    base = Path(state) if state else Path(environ.get("HOME") or Path.home()) / ".local" / "state"
    return base / "vibecode-mcp" / "audit.jsonl"


class AuditLog:
    """Writes one JSON object per line; `redact` scrubs secrets from each line before it is written."""

    def __init__(self, target: str | Path, redact: Callable[[str], str] = lambda s: s) -> None:
        self.target = str(target)
        self._redact = redact
        if self.target != STDERR:
            Path(self.target).parent.mkdir(parents=True, exist_ok=True)

    def record(self, entry: Mapping[str, Any]) -> None:
        """Append `entry`, with a UTC timestamp first."""
        line: dict[str, Any] = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry}
        data = (self._redact(json.dumps(line, ensure_ascii=False, default=str)) + "\n").encode()
        if self.target == STDERR:
            sys.stderr.write(data.decode())
            sys.stderr.flush()
            return
        fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(data)
            while view:  # a regular file takes it all at once; the loop only guards a short write
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)  # closing releases the lock

    def read(self) -> list[dict[str, Any]]:
        """Every record so far (for tests and for operators inspecting the log)."""
        if self.target == STDERR or not Path(self.target).exists():
            return []
        with open(self.target, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
