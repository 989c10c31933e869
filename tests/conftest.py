"""Shared fixtures: a clean VIBECODE_* environment and the asyncio backend for anyio tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test depends on the developer's own VIBECODE_* variables."""
    import os

    for name in list(os.environ):
        if name.startswith("VIBECODE_"):
            monkeypatch.delenv(name)
    yield
