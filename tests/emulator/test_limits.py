"""The demo portal's limits: sliding windows with 429 and X-RateLimit-*, the 2-slot queue, the error-loop breaker."""

from __future__ import annotations

import asyncio
import json

from server.emulator import Portal, Response
from server.emulator.limits import LimitConfig, install

from .conftest import KEY, SMALL_DATA, Clock

ONE_ITEM = {"action": "update", "items": [{"id": 1, "title": "x"}]}


def call(portal: Portal, method: str, path: str, body: object = None) -> Response:
    raw = b"" if body is None else json.dumps(body).encode()
    return asyncio.run(portal.handle(method, path, "", KEY, raw))


def limited_portal(**config: float) -> tuple[Portal, Clock, object]:
    clock = Clock()
    portal = Portal(data=SMALL_DATA, clock=lambda: 0.0)
    stats = install(portal, LimitConfig(**config), clock=clock)  # type: ignore[arg-type]
    return portal, clock, stats


def test_the_portal_window_admits_ten_units_per_sliding_second_then_answers_429() -> None:
    portal, clock, _ = limited_portal()
    statuses = [call(portal, "GET", "/v1/deals").status for _ in range(10)]
    assert statuses == [200] * 10
    refused = call(portal, "GET", "/v1/deals")
    assert refused.status == 429
    error = refused.json()["error"]
    assert error["code"] == "RATE_LIMITED" and error["retryAfter"] == 1 and refused.headers["Retry-After"] == "1"
    clock.now += 0.999
    assert call(portal, "GET", "/v1/deals").status == 429  # still inside the second
    clock.now += 0.002
    assert call(portal, "GET", "/v1/deals").status == 200


def test_an_entity_batch_costs_one_unit_per_fifty_items() -> None:
    portal, clock, stats = limited_portal()
    big = {"action": "update", "items": [{"id": 1, "title": "x"}] * 400}  # 8 units
    assert call(portal, "POST", "/v1/deals/batch", big).status == 200
    assert call(portal, "POST", "/v1/deals/batch", ONE_ITEM).status == 200
    assert call(portal, "POST", "/v1/deals/batch", ONE_ITEM).status == 200
    assert call(portal, "POST", "/v1/deals/batch", ONE_ITEM).status == 429
    assert stats.summary()["units"] == 10  # type: ignore[attr-defined]


def test_the_key_window_allows_three_hundred_requests_a_minute_with_rate_limit_headers() -> None:
    portal, clock, _ = limited_portal(units_per_second=1000)
    for _ in range(300):
        response = call(portal, "GET", "/v1/deals")
        assert response.status == 200
        clock.now += 0.1
    assert response.headers["X-RateLimit-Limit"] == "300"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    refused = call(portal, "GET", "/v1/deals")
    assert refused.status == 429 and refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["X-RateLimit-Reset"]) == int(refused.headers["Retry-After"]) == 30
    clock.now += 30.01
    assert call(portal, "GET", "/v1/deals").status == 200


def test_the_portal_queue_runs_two_at_once_and_times_out_the_rest_with_504() -> None:
    portal, _, stats = limited_portal(units_per_second=1000, work_seconds=0.2, queue_timeout=0.25)

    async def burst() -> list[Response]:
        return list(await asyncio.gather(*(portal.handle("GET", "/v1/deals", "", KEY, b"") for _ in range(6))))

    responses = asyncio.run(burst())
    statuses = sorted(r.status for r in responses)
    assert statuses == [200, 200, 200, 200, 504, 504]  # two at once, two more after 0.2 s, the rest wait too long
    timeout = next(r for r in responses if r.status == 504).json()["error"]
    assert timeout["code"] == "QUEUE_TIMEOUT" and timeout["retryAfter"] == 10
    assert stats.refused == {"QUEUE_TIMEOUT": 2}  # type: ignore[attr-defined]


def test_the_same_failing_request_repeated_trips_the_error_loop_breaker() -> None:
    portal, clock, _ = limited_portal(units_per_second=1000, loop_failures=3, loop_probe_every=4)
    for _ in range(3):
        assert call(portal, "GET", "/v1/deals/999").status == 404
        clock.now += 0.01
    blocked = [call(portal, "GET", "/v1/deals/999") for _ in range(4)]
    assert [r.status for r in blocked] == [429, 429, 429, 404]  # the 4th is a probe and goes through
    error = blocked[0].json()["error"]
    assert error["code"] == "ERROR_LOOP_DETECTED" and error["retryAfter"] == 60
    assert call(portal, "GET", "/v1/deals/1").status == 200  # a different request is not blocked
