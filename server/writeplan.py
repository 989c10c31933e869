"""What a write would do, computed before it runs: per-record current → new values, cost, a fingerprint.

A dry run returns the plan; the real run computes it again from fresh reads and compares the
fingerprints, so records changed in between are reported instead of overwritten unseen. The same
plan's summary is the question a human is asked to confirm and the audit record of the write.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def same_value(old: Any, new: Any) -> bool:
    """Equal as the portal would store them: 5 == "5" == 5.0, "Y" == True, [] == None == ""."""
    if old in (None, "", []) and new in (None, "", []):
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(_flag(old) == _flag(new))
    try:
        a, b = float(old), float(new)
    except (TypeError, ValueError):
        pass
    else:
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9) if math.isfinite(a) and math.isfinite(b) else False
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same_value(x, y) for x, y in zip(old, new, strict=True))
    return bool(old == new)


def _flag(value: Any) -> Any:
    """Booleans in the spellings the API uses (true, "Y", "1"), as a bool; anything else unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int) and str(value).lower() in {"y", "true", "1", "n", "false", "0"}:
        return str(value).lower() in {"y", "true", "1"}
    return value


def changes(current: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields of `new` whose value differs from `current`: {field: {"from": old, "to": new}}."""
    return {k: {"from": current.get(k), "to": v} for k, v in new.items() if not same_value(current.get(k), v)}


def fingerprint(record: Mapping[str, Any], fields: Sequence[str]) -> str:
    """A short digest of the record's current values of `fields` (and its update stamp, if any)."""
    keys = sorted({*fields, *(k for k in ("updatedAt", "updatedTime", "changedDate") if k in record)})
    raw = json.dumps([[k, record.get(k)] for k in keys], ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class PlanItem:
    """One record of a plan: its id, a label for humans, what changes, and its fingerprint."""

    id: int | str | None
    label: str = ""
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str = ""
    action: str = ""  # this record's own write, in a plan mixing several (the cross-entity batch)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.action:
            out["action"] = self.action
        if self.label:
            out["label"] = self.label
        if self.changes:
            out["changes"] = self.changes
        return out


@dataclass
class Plan:
    """A write, described before it runs."""

    tool: str
    entity: str
    action: str  # create | update | delete
    items: list[PlanItem]
    missing: list[Any] = field(default_factory=list)  # ids that do not exist (nothing to do for them)
    unchanged: list[Any] = field(default_factory=list)  # ids whose values already equal the new ones
    units: int = 0
    rate: float = 10.0
    note: str = ""  # what the write destroys besides the records (a user field's values in every record)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def seconds(self) -> float:
        """Time the upstream units take at the portal's rate (the first second's budget is free)."""
        return round(max(0.0, (self.units - self.rate) / self.rate), 1)

    def fingerprints(self) -> dict[str, str]:
        return {str(i.id): i.fingerprint for i in self.items if i.id is not None}

    def summary(self, limit: int = 5) -> str:
        """One paragraph a human can confirm: what, how many, a few examples, the cost."""
        head = f"{_verb(self.action)} {self.count} {self.entity} record(s)"
        kinds = dict.fromkeys(i.action or self.action for i in self.items)
        mixed = len(kinds) > 1
        if mixed:  # each write named with its own verb: "create 2, update 1 and DELETE 1 record(s) of …"
            counts = [f"{_verb(k)} {sum(1 for i in self.items if (i.action or self.action) == k)}" for k in kinds]
            head = f"{', '.join(counts[:-1])} and {counts[-1]} record(s) of {self.entity}"
        if self.action == "set":  # a replace: every current record goes, the given ones come
            gone = sum(1 for i in self.items if i.id is not None)
            head = f"REPLACE all {self.entity}, destructive: {gone} removed, {self.count - gone} added"
        lines = [head + f" ({self.units} API unit(s), about {self.seconds:g} s)."]
        for item in self.items[:limit]:
            what = f"#{item.id}" if item.id is not None else "new"
            if mixed:
                what = f"{_verb(item.action or self.action)} {what}"
            if item.label:
                what += f" «{item.label}»"
            if item.changes:
                what += ": " + ", ".join(
                    f"{k} {_short(c['from'])} → {_short(c['to'])}" for k, c in item.changes.items()
                )
            lines.append("- " + what)
        if self.count > limit:
            lines.append(f"- … and {self.count - limit} more")
        if self.missing:
            lines.append(f"Not found (skipped): {', '.join(map(str, self.missing[:10]))}.")
        if self.unchanged:
            lines.append(f"Already as requested (skipped): {', '.join(map(str, self.unchanged[:10]))}.")
        if self.note and self.items:
            lines.append(f"WARNING: {self.note}")
        return "\n".join(lines)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        items = self.items if limit is None else self.items[:limit]
        return {
            "action": self.action,
            "entity": self.entity,
            "count": self.count,
            "items": [i.to_dict() for i in items],
            "missing": self.missing,
            "unchanged": self.unchanged,
            "units": self.units,
            "seconds": self.seconds,
        }


def _verb(action: str) -> str:
    return {"create": "create", "update": "update", "delete": "DELETE"}.get(action, action)


def _short(value: Any, width: int = 40) -> str:
    text = "∅" if value in (None, "", []) else json.dumps(value, ensure_ascii=False, default=str).strip('"')
    return text if len(text) <= width else text[: width - 1] + "…"


def stale(expected: Mapping[str, str], plan: Plan) -> list[str]:
    """Ids whose fingerprint differs from what a dry run saw (or that the dry run did not cover)."""
    now = plan.fingerprints()
    return [rid for rid, fp in now.items() if expected.get(rid) != fp]
