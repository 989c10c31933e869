"""One token budget for every tool result, counting text content and structured content together.

Clients differ in what reaches the model (some pass the text, some the structure, some both), so a
result's cost is the estimate of its compact JSON plus the estimate of its text. Tools that know
their shape fit themselves (pages keep whole records, `get` shrinks its record, `fields` keeps the
fields that fit); `enforce` is the last word at the dispatch point for every tool: anything still
over budget is shrunk generically (longest lists halved, biggest objects thinned, long strings cut),
its text rebuilt from what was kept, and what was trimmed named in `truncation`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.errors import VibeCodeError
from server.results import CUT_MARKER, cut_strings, dumps, estimate_tokens, render_record, render_row, render_value

# Keys of a result's envelope that carry its meaning; the generic shrinker never removes them.
ENVELOPE_KEYS = frozenset({"summary", "next_cursor", "has_more", "returned", "total", "truncation", "error"})
MIN_BUDGET = 1000


def result_tokens(structured: Mapping[str, Any], text: str) -> int:
    """What a result costs a model that is shown both channels."""
    return estimate_tokens(dumps(structured)) + estimate_tokens(text)


def record_cost(record: Mapping[str, Any]) -> int:
    """A record's cost in a result: its JSON, its line in the text (names included), and separators."""
    return estimate_tokens(dumps(record)) + estimate_tokens(render_record(record)) + 2


def row_cost(record: Mapping[str, Any]) -> int:
    """A record's cost in a page: its JSON in `items` and its row in the text's table."""
    return estimate_tokens(dumps(record)) + estimate_tokens(render_row(record)) + 2


@dataclass
class Shrunk:
    """A record made to fit, with the fields dropped and the fields whose strings were cut."""

    record: dict[str, Any]
    dropped: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)


def _truncate_lists(value: Any, limit: int) -> tuple[Any, bool]:
    if isinstance(value, list):
        kept = [_truncate_lists(v, limit)[0] for v in value[:limit]]
        return kept, len(value) > limit
    if isinstance(value, Mapping):
        out, any_cut = {}, False
        for k, v in value.items():
            out[k], cut = _truncate_lists(v, limit)
            any_cut = any_cut or cut
        return out, any_cut
    return value, False


def shrink_record(record: Mapping[str, Any], budget: int, keep: Collection[str] = ()) -> Shrunk:
    """`record` within `budget` tokens (as `record_cost` counts them), never sent whole when over.

    Non-key fields go first, biggest first; then strings are cut ever shorter, then lists; as a last
    resort only `id` remains. `keep` names the key fields (id is always one).
    """
    out = dict(record)
    if record_cost(out) <= budget:
        return Shrunk(out)
    result = Shrunk(out)
    droppable = sorted(((record_cost({k: v}), k) for k, v in out.items() if k != "id" and k not in keep), reverse=True)
    cost = record_cost(out)
    for size, key in droppable:
        if cost <= budget:
            break
        del out[key]
        result.dropped.append(key)
        cost -= size - 2  # estimates add up to within rounding; verified below
    cost = record_cost(out)
    if cost > budget and result.dropped:
        # Rounding left it just over: drop the rest in the same order.
        for _, key in droppable[len(result.dropped) :]:
            del out[key]
            result.dropped.append(key)
            if record_cost(out) <= budget:
                break
    for limit in (200, 80, 30, 10):
        if record_cost(out) <= budget:
            break
        before = out
        out, _ = cut_strings(out, limit)
        result.cut = sorted({*result.cut, *(k for k in out if out[k] != before[k])})
    for limit in (10, 3, 1):
        if record_cost(out) <= budget:
            break
        before = out
        out, _ = _truncate_lists(out, limit)
        result.cut = sorted({*result.cut, *(k for k in out if out[k] != before[k])})
    if record_cost(out) > budget:
        rest = [k for k in out if k != "id"]
        result.dropped.extend(rest)
        out = {"id": cut_strings(out.get("id"), 10)[0]} if "id" in out else {}
    result.record = out
    return result


def render_generic(structured: Mapping[str, Any]) -> str:
    """A text rendering of any result: its summary, then one line per record or value."""
    lines = [str(structured["summary"])] if "summary" in structured else []
    for key, value in structured.items():
        if key in ("summary", "has_more", "returned", "next_cursor") or value in (None, [], {}):
            continue
        if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            lines.append(f"{key}:")
            lines.extend(render_record(v) if "id" in v else render_value(v) for v in value)
        elif isinstance(value, Mapping) and "id" in value:
            lines.append(f"{key}: {render_record(value)}")
        else:
            lines.append(f"{key}: {render_value(value)}")
    if structured.get("next_cursor"):
        lines.append(f"next_cursor: {structured['next_cursor']}")
    return "\n".join(lines)


def tool_render(render: Callable[[Mapping[str, Any]], str]) -> Callable[[Mapping[str, Any]], str]:
    """A tool's own rendering for trimmed results, the generic one where trimming left a shape it cannot read."""

    def safe(structured: Mapping[str, Any]) -> str:
        try:
            return render(structured)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError):
            return render_generic(structured)

    return safe


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not path and k in ENVELOPE_KEYS:
                continue
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _shrinkable(value: Any) -> bool:
    if isinstance(value, list):
        return len(value) > 1
    if isinstance(value, Mapping):
        return sum(1 for k in value if k != "id") > 0
    return isinstance(value, str) and len(value) > 24


def _shrink_node(value: Any) -> tuple[Any, str]:
    """Roughly halve a node; returns the new node and a note of what was done."""
    if isinstance(value, list):
        keep = len(value) // 2
        return value[:keep], f"kept {keep} of {len(value)} entries"
    if isinstance(value, Mapping):
        sized = sorted(((estimate_tokens(dumps(v)), k) for k, v in value.items() if k != "id"), reverse=True)
        total = sum(s for s, _ in sized)
        removed, gone = 0, list[str]()
        for s, k in sized:
            if removed * 2 >= total and gone:
                break
            removed += s
            gone.append(k)
        return {k: v for k, v in value.items() if k not in gone}, f"dropped {', '.join(map(str, gone[:8]))}" + (
            f" and {len(gone) - 8} more" if len(gone) > 8 else ""
        )
    text = str(value)
    keep = max(len(text) // 2, 8)
    return text[:keep] + CUT_MARKER.format(n=len(text) - keep), "cut"


def _set(root: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = root
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def enforce(
    structured: dict[str, Any],
    text: str,
    budget: int,
    *,
    allowed_keys: Collection[str] | None = None,
    render: Callable[[Mapping[str, Any]], str] = render_generic,
    tokens: int | None = None,
) -> tuple[dict[str, Any], str]:
    """The result itself (the same objects) when it fits `budget`; otherwise a shrunk copy, re-rendered.

    `allowed_keys` are the keys the tool's output schema admits: `truncation` is added only if it
    is one of them (otherwise the summary says what was trimmed). `tokens` is the result's cost if
    the tool already measured it.

    Raises:
        VibeCodeError: RESULT_TOO_LARGE when even the envelope alone does not fit.
    """
    if (tokens if tokens is not None else result_tokens(structured, text)) <= budget:
        return structured, text
    out = copy.deepcopy(structured)
    notes: list[str] = []
    for _ in range(400):
        rendered = render(out)
        if result_tokens(out, rendered) <= budget - 60:  # room for the truncation note
            break
        pinned = ("items",) if "next_cursor" in out else ()  # a page's records are fitted by the page itself
        candidates = [(estimate_tokens(dumps(v)), p, v) for p, v in _nodes(out) if p and p != pinned and _shrinkable(v)]
        if not candidates:
            break
        # The deepest node holding at least half of the biggest one: thin a record's long list
        # rather than drop the record's fields wholesale.
        biggest = max(c[0] for c in candidates)
        _, path, node = max((c for c in candidates if c[0] * 2 >= biggest), key=lambda c: (len(c[1]), c[0]))
        new, what = _shrink_node(node)
        _set(out, path, new)
        where = "/".join(map(str, path))
        if what != "cut":
            notes.append(f"{where}: {what}")
        elif not notes or not notes[-1].startswith(where):
            notes.append(f"{where}: long text cut")
    note = f"Trimmed to fit the {budget}-token budget"
    if allowed_keys is None or "truncation" in allowed_keys:
        had = out.get("truncation")
        previous: Mapping[str, Any] = had if isinstance(had, Mapping) else {}
        out["truncation"] = {**previous, "budget_tokens": budget, "trimmed": notes[:10]}
    if isinstance(out.get("summary"), str):
        out["summary"] += f" {note}; ask for less (select, names, filter, limit)."
    rendered = render(out)
    if result_tokens(out, rendered) > budget:
        raise VibeCodeError(
            f"the result does not fit the {budget}-token budget even when trimmed.",
            code="RESULT_TOO_LARGE",
            hint="Ask for less: fewer fields (select), a narrower filter, a smaller limit, or a larger max budget.",
        )
    return out, rendered
