"""The docs' 403 examples (Коды ошибок L1231 SCOPE_DENIED, L1255 BITRIX_ACCESS_DENIED), provoked on the demo
portal, reach a tool as a clear error with the catalog's hint, asked once and never retried."""

from __future__ import annotations

import pytest

from server.emulator import DEMO_API_KEY, Portal
from server.errors import AccessDenied
from tests.portal_rig import rig

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("portal", "code", "hint"),
    [
        (Portal(seed=3, scale=0.1, key_scopes={DEMO_API_KEY: ["user"]}), "SCOPE_DENIED", "reissue the key"),
        (Portal(seed=3, scale=0.1, key_denied={DEMO_API_KEY: ["deals"]}), "BITRIX_ACCESS_DENIED", "no rights"),
    ],
    ids=["L1231", "L1255"],
)
async def test_a_403_example_is_reported_with_its_hint_and_not_retried(portal: Portal, code: str, hint: str) -> None:
    r = rig(portal)
    with pytest.raises(AccessDenied) as caught:
        await r.dispatcher.call("deals_search", {"limit": 5})
    error = caught.value.to_dict()
    assert error["code"] == code and hint in error["hint"] and error["retryable"] is False
    assert r.seen == [("POST", "/v1/deals/search")]
