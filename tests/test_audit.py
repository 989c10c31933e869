from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from server.audit import AuditLog, default_path


def test_records_are_appended_as_json_lines_with_a_timestamp(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a" / "audit.jsonl")
    log.record({"tool": "deals_update", "ids": [5], "result": "done"})
    log.record({"tool": "deals_delete", "ids": [6], "result": "outcome_unknown"})
    lines = (tmp_path / "a" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["tool"] for x in lines] == ["deals_update", "deals_delete"]
    assert all(json.loads(x)["ts"].endswith("+00:00") for x in lines)
    assert log.read()[1]["result"] == "outcome_unknown"
    assert (tmp_path / "a" / "audit.jsonl").stat().st_mode & 0o777 == 0o600


def test_redaction_applies_to_every_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", redact=lambda s: s.replace("vibe_api_secret", "[redacted]"))
    log.record({"tool": "deals_create", "error": "upstream said: bad key vibe_api_secret"})
    text = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert "vibe_api_secret" not in text and "[redacted]" in text


def test_stderr_target_writes_nothing_to_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog("-")
    log.record({"tool": "leads_create", "result": "done"})
    assert json.loads(capsys.readouterr().err)["tool"] == "leads_create"
    assert log.read() == []


def test_default_path_follows_xdg_state_home(tmp_path: Path) -> None:
    assert default_path({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "vibecode-mcp" / "audit.jsonl"
    assert default_path({"HOME": str(tmp_path)}) == tmp_path / ".local/state/vibecode-mcp/audit.jsonl"


WRITER = """
import sys
from server.audit import AuditLog
log = AuditLog(sys.argv[1])
for i in range(200):
    log.record({"who": sys.argv[2], "i": i, "pad": "x" * 5000})
"""


def test_concurrent_threads_and_processes_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}"]) for n in range(3)]
    log = AuditLog(path)

    def write(who: str) -> None:
        for i in range(200):
            log.record({"who": who, "i": i, "pad": "y" * 5000})

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(timeout=60) == 0 for p in procs)
    records = log.read()  # json.loads fails on any torn or interleaved line
    assert len(records) == 1200
    for who in ("p0", "p1", "p2", "t0", "t1", "t2"):
        assert [r["i"] for r in records if r["who"] == who] == list(range(200))
