"""Locate and read the declarative data in `tool_specs/` (entity catalog, operations, error codes)."""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@cache
def spec_dir() -> Path:
    """The tool_specs directory: $VIBECODE_TOOL_SPECS_DIR, the packaged copy, or the source tree."""
    override = os.environ.get("VIBECODE_TOOL_SPECS_DIR")
    if override:
        return Path(override)
    packaged = Path(str(resources.files("server"))) / "tool_specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "tool_specs"


@cache
def load(name: str) -> Any:
    """Parse one JSON file of tool_specs/ (cached: the files are read once per process)."""
    with (spec_dir() / name).open(encoding="utf-8") as fh:
        return json.load(fh)
