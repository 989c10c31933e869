"""Seeded demo portals made cheaply in tests.

Thousands of tests build a fresh `Portal(seed=..., scale=...)`, and generating its records is most of
that cost. Here each (seed, scale, now) is generated once per test run by the real generator and every
portal gets its own deep copy (unpickled, so no two portals share a list or a dict). A portal on the
real clock gets the records generated when the run began: what a portal started then and left idle
would hold, since the records' dates are relative to the moment they were generated, never later.

Only the portal's own construction goes through the cache; tests of the generator call it directly.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable

from server.emulator import api, registry
from server.emulator.seed import REFERENCE_TS

RUN_STARTED = time.time()
REAL_CLOCK_SLACK = 5.0  # a "now" this close to time.time() is the real clock, not a test's fixed one
MAX_ENTRIES = 64  # fixed test clocks make one entry each; a handful of (seed, scale) pairs are in use

Records = dict[str, list[dict[str, object]]]
_cache: dict[tuple[int, float, float], bytes] = {}


def generate(seed: int = 42, scale: float = 1.0, now: float = REFERENCE_TS) -> Records:
    """`registry.generate`, computed once per (seed, scale, now); each call returns a private copy."""
    if abs(now - time.time()) < REAL_CLOCK_SLACK:
        now = RUN_STARTED
    key = (seed, scale, now)
    blob = _cache.get(key)
    if blob is None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        blob = _cache[key] = pickle.dumps(registry.generate(seed, scale, now), protocol=pickle.HIGHEST_PROTOCOL)
    records: Records = pickle.loads(blob)
    return records


class _CachedRegistry:
    """The registry module as the portal sees it, with `generate` cached."""

    generate = staticmethod(generate)

    def __getattr__(self, name: str) -> object:
        return getattr(registry, name)


def install() -> Callable[[], None]:
    """Route `Portal`'s record generation through the cache; returns the undo."""
    original = api.registry
    api.registry = _CachedRegistry()  # type: ignore[assignment]

    def undo() -> None:
        api.registry = original

    return undo
