"""The docs' 401/403 examples (Коды ошибок L1231 SCOPE_DENIED, L1255 BITRIX_ACCESS_DENIED, an application
key's TOKEN_MISSING), provoked on the demo portal, reach the caller as a clear error with the catalog's hint,
asked once and never retried."""

from __future__ import annotations

import pytest

from server.client import VibeCodeClient
from server.emulator import DEMO_API_KEY, Portal
from server.errors import AccessDenied, AuthError
from tests.portal_rig import Recording, rig

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


async def test_an_application_key_without_its_session_token_is_explained() -> None:
    """Ключи и авторизация L141 / Пакетные вызовы L2375: a vibe_app_ key without `Authorization: Bearer` is
    401 TOKEN_MISSING; the server says a personal key is what it needs, and does not retry."""
    app_key = "vibe_app_demo000000000000000000000"
    portal = Portal(seed=3, scale=0.1, app_keys={app_key: "vibe_session_demo00000000000000000"})
    transport = Recording(portal)
    async with VibeCodeClient(app_key, transport=transport) as client:
        with pytest.raises(AuthError) as caught:
            await client.request("GET", "/v1/deals")
    error = caught.value.to_dict()
    assert error["code"] == "TOKEN_MISSING" and "vibe_api_" in error["hint"] and error["retryable"] is False
    assert transport.seen == [("GET", "/v1/deals")]
