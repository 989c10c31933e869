"""Shared fixtures: a clean VIBECODE_* environment and the asyncio backend for anyio tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test depends on the developer's own VIBECODE_* variables, or writes its audit log in their home."""
    import os

    for name in list(os.environ):
        if name.startswith("VIBECODE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    yield
