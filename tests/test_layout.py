"""The import rules of the layout: each third-party boundary has exactly one owner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parents[1] / "server"
MODULES = sorted(SERVER.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of absolute imports, plus 'server.<x>' for project imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def owners(prefix: str) -> set[str]:
    return {
        str(p.relative_to(SERVER))
        for p in MODULES
        if any(n == prefix or n.startswith(prefix + ".") for n in imported(p))
    }


def test_httpx_is_imported_only_by_the_client_and_the_emulator_transport() -> None:
    assert owners("httpx") == {"client.py", "emulator/transport.py"}


def test_mcp_is_imported_only_by_the_mcp_boundary() -> None:
    assert owners("mcp") == {"app.py"}


@pytest.mark.parametrize("path", [p for p in MODULES if "emulator" in p.parts], ids=lambda p: p.name)
def test_the_emulator_imports_nothing_from_the_rest_of_the_server(path: Path) -> None:
    assert not {n for n in imported(path) if n == "server" or n.startswith("server.")}
