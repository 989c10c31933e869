"""Request costs in portal units: the one table, tool_specs/rate_limits.json, that the limiter books
and write plans estimate with."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from server import specs


def _pattern(path: str) -> re.Pattern[str]:
    """A rule's path as a regex: `{entity}` is one or more segments (items/128, tasks/5/comments), any
    other `{name}` one segment."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment == "{entity}":
            parts.append(r"[^/]+(?:/[^/]+)*")
        elif segment.startswith("{"):
            parts.append(r"[^/]+")
        else:
            parts.append(re.escape(segment))
    return re.compile("/".join(parts))


class CostTable:
    """Request costs from tool_specs/rate_limits.json: a default, and rules by method and path."""

    def __init__(self, spec: Mapping[str, Any] | None = None) -> None:
        spec = spec if spec is not None else specs.load("rate_limits.json")
        self.default = float(spec["default_cost"])
        self.rules: list[tuple[re.Pattern[str], Mapping[str, Any]]] = [
            (_pattern(rule["path"]), rule) for rule in spec["costs"]
        ]

    def rule(self, method: str, path: str) -> Mapping[str, Any] | None:
        wanted = path.strip("/")
        for pattern, rule in self.rules:
            if rule["method"] == method.upper() and pattern.fullmatch(wanted):
                return rule
        return None

    def cost(self, method: str, path: str, body: Any = None) -> float:
        """Units of one request."""
        rule = self.rule(method, path)
        if rule is None:
            return self.default
        if "units" in rule:
            return float(rule["units"])
        items = next((body[k] for k in rule["item_keys"] if isinstance(body, Mapping) and k in body), None)
        return self._per_items(rule, len(items) if isinstance(items, list) else 1)

    def total(self, method: str, path: str, items: int = 0) -> float:
        """Units of sending `items` items (0: one ordinary request) in as few requests as the rule allows."""
        rule = self.rule(method, path)
        if rule is None or "units" in rule or items <= 0:
            return self.cost(method, path)
        per_request = int(rule["units_per_items"]) * int(rule["max_units"])
        full, rest = divmod(items, per_request)
        return full * self._per_items(rule, per_request) + (self._per_items(rule, rest) if rest else 0.0)

    @staticmethod
    def _per_items(rule: Mapping[str, Any], count: int) -> float:
        units = math.ceil(count / rule["units_per_items"])
        return float(max(rule["min_units"], min(units, rule["max_units"])))
