"""Fault injection in the demo portal: each kind does what it says, before or after the request is handled."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from server.emulator import EmulatorTransport, Portal
from server.emulator.__main__ import parse_args
from server.emulator.faults import DROP_HEADER, Fault, install, parse

from .conftest import KEY, SMALL_DATA

NEW_DEAL = {"title": "Injected"}


def portal_with(kind: str, **options: object) -> Portal:
    portal = Portal(data=SMALL_DATA, clock=lambda: 0.0)
    install(portal).add(kind, **options)  # type: ignore[arg-type]
    return portal


def deals_titled(portal: Portal, title: str) -> int:
    return sum(1 for row in portal.store.table("deals").scan() if row.get("title") == title)


async def send(portal: Portal, method: str, path: str, body: object = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=EmulatorTransport(portal), base_url="http://demo", headers=KEY) as c:
        response = await c.request(method, path, json=body)
        await response.aread()
        return response


@pytest.mark.parametrize(("kind", "applied"), [("drop_before", 0), ("drop_after", 1)])
def test_a_dropped_connection_is_a_protocol_error_and_the_write_is_applied_only_after(kind: str, applied: int) -> None:
    portal = portal_with(kind)
    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(send(portal, "POST", "/v1/deals", NEW_DEAL))
    assert deals_titled(portal, "Injected") == applied


def test_a_wrong_content_encoding_fails_to_decode_after_the_write_was_applied() -> None:
    portal = portal_with("bad_encoding")
    with pytest.raises(httpx.DecodingError):
        asyncio.run(send(portal, "POST", "/v1/deals", NEW_DEAL))
    assert deals_titled(portal, "Injected") == 1


def test_malformed_json_is_cut_short_after_handling() -> None:
    portal = portal_with("malformed_json")
    response = asyncio.run(send(portal, "POST", "/v1/deals", NEW_DEAL))
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert deals_titled(portal, "Injected") == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_answers_without_handling(status: int) -> None:
    portal = portal_with("5xx", status=status)
    assert asyncio.run(send(portal, "POST", "/v1/deals", NEW_DEAL)).status_code == status
    assert deals_titled(portal, "Injected") == 0


@pytest.mark.parametrize(("kind", "applied"), [("timeout_before", 0), ("timeout_after", 1)])
def test_a_hang_is_cut_by_the_client_and_the_write_applied_only_after(kind: str, applied: int) -> None:
    portal = portal_with(kind)

    async def impatient() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(send(portal, "POST", "/v1/deals", NEW_DEAL), 0.2)

    asyncio.run(impatient())
    assert deals_titled(portal, "Injected") == applied


def test_rules_match_by_method_and_path_and_run_out_after_their_count() -> None:
    portal = Portal(data=SMALL_DATA, clock=lambda: 0.0)
    faults = install(portal)
    faults.add("5xx", status=502, times=2, methods=("GET",), path="/v1/deals*")
    assert asyncio.run(send(portal, "GET", "/v1/contacts")).status_code == 200
    assert [asyncio.run(send(portal, "GET", "/v1/deals")).status_code for _ in range(3)] == [502, 502, 200]
    assert faults.injected == {"5xx": 2}


def test_the_command_line_takes_kind_rate_and_seconds() -> None:
    assert parse("latency=0.5:0.2, 5xx=0.1,drop_after") == [
        Fault("latency", rate=0.5, seconds=0.2),
        Fault("5xx", rate=0.1),
        Fault("drop_after", rate=1.0),
    ]
    assert parse_args(["--faults", "timeout_after=0.05:2"]).fault_rules == [Fault("timeout_after", 0.05, seconds=2)]
    with pytest.raises(ValueError, match="unknown fault 'slow'"):
        parse("slow=0.1")
    with pytest.raises(ValueError, match="rate must be"):
        parse("latency=2")
    with pytest.raises(SystemExit):
        parse_args(["--faults", "nonsense=x"])


def test_no_faults_and_no_limits_by_default() -> None:
    portal = Portal(data={})
    assert portal.pipeline["faults"] is None and portal.pipeline["rate_limit"] is None
    assert DROP_HEADER.startswith("x-")
