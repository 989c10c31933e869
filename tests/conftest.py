"""Shared fixtures: a clean VIBECODE_* environment and the asyncio backend for anyio tests; and what keeps
the whole suite fast (seeded records generated once per run, a garbage collector that skips what lives for
the whole run)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tests import seed_cache


def pytest_configure(config: pytest.Config) -> None:
    config.add_cleanup(seed_cache.install())
    # Tests allocate millions of short-lived containers; collecting every 700 allocations (the default)
    # spends about a quarter of the suite's time in the collector. Cycles are still freed, just in
    # larger batches.
    threshold = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    config.add_cleanup(lambda: gc.set_threshold(*threshold))


def pytest_collection_finish(session: pytest.Session) -> None:
    # Modules, catalogs and parametrize tables built while collecting live for the whole run: frozen, so
    # the collector no longer walks them on every full collection.
    gc.collect()
    gc.freeze()


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
