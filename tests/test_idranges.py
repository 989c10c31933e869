"""Id lists written as ranges: exact, in order, and short when the ids run."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from server.idranges import compact, expand

IDS = st.lists(
    st.one_of(st.integers(-5, 10**9), st.text(min_size=1, max_size=12).filter(lambda s: not s.strip().isdigit())),
    max_size=300,
)


def test_runs_become_ranges() -> None:
    assert compact([101, 102, 103, 104, 185]) == "101–104, 185"
    assert compact([5, 3, 4, 5, 6, 1, 2]) == "5, 3–6, 1, 2"
    assert compact(["C1:NEW", "a, b", "007", 7]) == 'C1:NEW, "a\\u002c b", "007", 7'
    assert len(compact(range(1, 5001))) < 12  # 5000 written ids in a few tokens


@given(IDS)
def test_expand_gives_back_exactly_the_ids_in_their_order(ids: list[Any]) -> None:
    assert expand(compact(ids)) == ids


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=3000), st.integers(60, 2000))
# Generated lists rarely outgrow the limit: these are cut, runs and odd ids alike.
@example(list(range(1, 3001, 2)), 60)
@example([*range(10, 2000), 7, *range(5000, 5600, 3)], 200)
def test_a_cut_list_keeps_its_first_ids_and_counts_the_rest(ids: list[int], limit: int) -> None:
    text = compact(ids, limit)
    listed, _, rest = text.partition("… ")
    if not rest:
        assert expand(text) == ids
        return
    shown = expand(listed.removesuffix(", "))
    more, last = int(rest.split(" ")[0]), int(rest.rsplit(" ", 1)[1])
    assert shown == ids[: len(shown)] and len(shown) + more == len(ids) and last == ids[-1]
    assert len(text) <= limit + 40
