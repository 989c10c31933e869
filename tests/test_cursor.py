from __future__ import annotations

import base64
import random

import pytest

from server.cursor import CursorCodec, CursorTooLarge
from server.errors import InvalidArguments
from server.results import dumps

SECRET = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_cursor_round_trips_and_rejects_tampering_and_other_tools() -> None:
    codec = CursorCodec(SECRET)
    cur = codec.encode({"tool": "deals_search", "after": 50})
    assert codec.decode(cur, "deals_search") == {"tool": "deals_search", "after": 50}
    body, _, tag = cur.partition(".")
    forged = CursorCodec(b"other").encode({"tool": "deals_search", "after": 0})
    for bad in (forged, body[:-2] + "AA." + tag, "garbage"):
        with pytest.raises(InvalidArguments) as exc:
            codec.decode(bad, "deals_search")
        assert exc.value.code == "INVALID_CURSOR"
    with pytest.raises(InvalidArguments, match="belongs to deals_search"):
        codec.decode(cur, "contacts_search")


def _malformed(cur: str) -> list[str]:
    body, _, tag = cur.partition(".")
    return [
        cur[:-1] + "…",  # a model "shortening" it
        cur[: len(cur) // 2],  # truncated
        cur[:10] + "…" + cur[-10:],
        "ё" * 40,
        cur + "x",
        body,  # tag lost
        "." + tag,
        "..",
        ".",
        "z" + "." + tag,
        "\x00" * 20,
        "z!!!!.????",
        cur.upper(),
        " " + cur,
        cur * 3,
        "x" * 100_000,
    ]


def test_every_malformed_cursor_is_invalid_cursor_never_a_crash() -> None:
    codec = CursorCodec(SECRET)
    cur = codec.encode({"tool": "deals_search", "q": {"filter": {"stageId": "WON"}}, "after": 7})
    rng = random.Random(5)
    noise = ["".join(rng.choice("abcXYZ019-_.=+/ёé…\n") for _ in range(rng.randint(1, 80))) for _ in range(200)]
    for bad in [*_malformed(cur), *noise]:
        with pytest.raises(InvalidArguments) as exc:
            codec.decode(bad, "deals_search")
        assert exc.value.code == "INVALID_CURSOR", bad


def test_a_signed_body_that_does_not_unpack_is_still_invalid_cursor() -> None:
    # Signed with the right secret but not a cursor this version writes: base64 of non-JSON.
    codec = CursorCodec(SECRET)
    for body in ("j" + base64.urlsafe_b64encode(b"not json").decode().rstrip("="), "z" + "AAAA", "j" + "W10"):
        with pytest.raises(InvalidArguments) as exc:
            codec.decode(f"{body}.{codec._tag(body)}", "deals_search")
        assert exc.value.code == "INVALID_CURSOR"


def test_cursors_expire() -> None:
    clock = Clock()
    codec = CursorCodec(SECRET, ttl_seconds=3600, clock=clock)
    cur = codec.encode({"tool": "deals_search", "after": 50})
    clock.now += 3599
    assert codec.decode(cur, "deals_search")["after"] == 50
    clock.now += 2
    with pytest.raises(InvalidArguments, match="expired") as exc:
        codec.decode(cur, "deals_search")
    assert exc.value.code == "INVALID_CURSOR" and "without cursor" in (exc.value.hint or "")


def test_big_cursors_are_deflated_and_still_tamper_proof() -> None:
    codec = CursorCodec(SECRET)
    payload = {"tool": "deals_search", "q": {"filter": {"id": {"$in": list(range(1, 400, 2))}}}, "after": 9}
    cur = codec.encode(payload)
    assert cur.startswith("z") and len(cur) < len(dumps(payload))
    assert codec.decode(cur, "deals_search") == payload
    body, _, tag = cur.partition(".")
    with pytest.raises(InvalidArguments):
        codec.decode(body[:-3] + "AAA." + tag, "deals_search")


@pytest.mark.parametrize("n", [300, 2_000, 20_000])
def test_a_query_too_large_for_a_cursor_is_a_clear_error_and_cursors_stay_small(n: int) -> None:
    codec = CursorCodec(SECRET)
    ids = random.Random(n).sample(range(1, 10**7), n)
    with pytest.raises(CursorTooLarge) as exc:
        codec.encode({"tool": "deals_search", "q": {"filter": {"id": {"$in": ids}}}, "after": 9})
    assert exc.value.code == "QUERY_TOO_LARGE_FOR_CURSOR"
    assert "$in" in (exc.value.hint or "") and "deals_search" in (exc.value.hint or "")
    assert len(exc.value.message) < 300  # the error does not echo the query


def test_a_foreign_secret_cannot_make_a_valid_cursor() -> None:
    mine, theirs = CursorCodec(SECRET), CursorCodec(b"x" * 32)
    with pytest.raises(InvalidArguments, match="another server process"):
        mine.decode(theirs.encode({"tool": "deals_search"}), "deals_search")
