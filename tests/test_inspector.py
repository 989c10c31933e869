"""The MCP Inspector CLI as a real third-party client of `python -m server` over stdio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSPECTOR = ROOT / ".inspector"
INSTALLED = (INSPECTOR / "node_modules" / "@modelcontextprotocol" / "inspector").is_dir()

if not INSTALLED and os.environ.get("CI"):
    pytest.fail("CI must run the Inspector test: `make test` installs it with npm", pytrace=False)
pytestmark = pytest.mark.skipif(
    not INSTALLED or shutil.which("npx") is None, reason="MCP Inspector not installed (needs npm)"
)


def inspector(*args: str) -> tuple[int, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIBECODE_")}
    cmd = ["npx", "--no-install", "@modelcontextprotocol/inspector", "--cli", sys.executable, "-m", "server"]
    out = subprocess.run(
        [*cmd, *args, "--format", "json", "-q"],
        cwd=INSPECTOR,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=90,
    )
    return out.returncode, json.loads(out.stdout)["result"] if out.stdout.strip() else out.stderr


def test_inspector_lists_the_tools_with_annotations() -> None:
    code, result = inspector("--method", "tools/list")
    assert code == 0, result
    tools = {t["name"]: t for t in result["tools"]}
    assert {"deals_search", "deals_get", "deals_create", "deals_delete", "me"} <= set(tools)
    assert tools["deals_search"]["annotations"]["readOnlyHint"] is True
    assert tools["deals_delete"]["annotations"]["destructiveHint"] is True


def test_inspector_calls_a_tool_and_sees_a_tool_error_for_bad_input() -> None:
    code, result = inspector(
        "--method", "tools/call", "--tool-name", "deals_search",
        "--tool-args-json", json.dumps({"filter": {"stageId": "WON"}, "limit": 2}),
    )  # fmt: skip
    assert code == 0, result
    assert result["structuredContent"]["returned"] == 2
    assert all(r["stageId"] == "WON" for r in result["structuredContent"]["items"])
    code, result = inspector(
        "--method", "tools/call", "--tool-name", "deals_get", "--tool-args-json", json.dumps({"id": 987654})
    )
    assert code == 5 and result["isError"] is True  # the Inspector exits 5 on isError results
    assert result["structuredContent"]["error"]["code"] == "ENTITY_NOT_FOUND"


def test_inspector_calls_a_write_tool() -> None:
    fields = {"title": "Inspector deal", "amount": 1200, "stageId": "PREPARATION"}
    code, result = inspector(
        "--method", "tools/call", "--tool-name", "deals_create", "--tool-args-json", json.dumps({"fields": fields})
    )
    assert code == 0, result
    item = result["structuredContent"]["item"]
    assert item["id"] > 0 and item["title"] == "Inspector deal" and item["stageId"] == "PREPARATION"
    assert result["content"][0]["text"].startswith(f"Created deal #{item['id']}")
