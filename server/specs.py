"""Locate and read the declarative data in `tool_specs/` (entity catalog, operations, error codes)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@cache
def spec_dir() -> Path:
    """The tool_specs directory: the copy packaged into a wheel, else the source tree's."""
    packaged = Path(str(resources.files("server"))) / "tool_specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "tool_specs"


@cache
def load(name: str) -> Any:
    """Parse one JSON file of tool_specs/ (cached: the files are read once per process)."""
    with (spec_dir() / name).open(encoding="utf-8") as fh:
        return json.load(fh)
