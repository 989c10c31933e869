"""Portals for the emulator tests: the seeded demo portal (read-only) and small hand-made ones."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from server.emulator import DEMO_API_KEY, Portal, Response

# Property tests: bounded and derandomized in the suite; HYPOTHESIS_PROFILE=explore searches widely.
settings.register_profile(
    "suite",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("explore", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))

FIXED_NOW = 1_776_155_039.0  # 2026-04-14T08:23:59Z
KEY = {"X-Api-Key": DEMO_API_KEY}


class Clock:
    """A clock the test moves by hand (limits' windows, retry times)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Api:
    """Synchronous calls into a portal, the way a client would send them."""

    portal: Portal

    def call(
        self,
        method: str,
        path: str,
        query: str = "",
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        sent = KEY if headers is None else headers
        return asyncio.run(self.portal.handle(method, path, query, sent, raw))

    def ok(self, method: str, path: str, query: str = "", body: object = None, status: int = 200) -> Any:
        response = self.call(method, path, query, body)
        assert response.status == status, response.body
        return response.json()

    def error(self, method: str, path: str, query: str = "", body: object = None) -> tuple[int, dict[str, Any]]:
        response = self.call(method, path, query, body)
        payload = response.json()
        assert payload["success"] is False
        return response.status, payload["error"]

    def search(self, entity: str, body: object) -> Any:
        return self.ok("POST", f"/v1/{entity}/search", body=body)

    def ids(self, entity: str, body: Mapping[str, object]) -> list[int]:
        return [r["id"] for r in self.search(entity, {"limit": 5000, **body})["data"]]


def deal(id: int, **fields: object) -> dict[str, object]:
    return {"id": id, "title": f"Deal {id}", "stageId": "NEW", "amount": 0.0, "contactIds": [], **fields}


SMALL_DATA: dict[str, list[dict[str, object]]] = {
    "deals": [
        deal(
            1,
            title="Поставка оборудования",
            amount=50000.0,
            stageId="NEW",
            categoryId=0,
            companyId=15,
            contactId=71,
            contactIds=[71, 85],
            assignedById=1,
            createdAt="2026-01-15T10:00:00.000Z",
            observers=[2, 3],
            UF_CRM_BUDGET="1500.50|RUB",
            UF_CRM_PRIORITY=45,
            UF_CRM_PRODUCTS=[50, 51],
        ),
        deal(
            2,
            title="Техподдержка",
            amount=250000.0,
            stageId="WON",
            categoryId=0,
            companyId=15,
            assignedById=2,
            createdAt="2026-02-01T00:00:00.000Z",
            observers=[],
            UF_CRM_BUDGET="2000|RUB",
            UF_CRM_PRIORITY=46,
            UF_CRM_PRODUCTS=[52],
        ),
        deal(
            3,
            title="Внедрение CRM",
            amount=100000.0,
            stageId="LOSE",
            categoryId=0,
            companyId=None,
            assignedById=1,
            createdAt="2026-01-31T21:30:00.000Z",
            observers=[3],
            UF_CRM_PRIORITY=45,
        ),
        deal(
            4,
            title="ПОСТАВКА лицензий",
            amount=75000.0,
            stageId="C1:NEW",
            categoryId=1,
            companyId=0,
            assignedById=3,
            createdAt="2025-12-31T23:59:59.000Z",
        ),
    ],
    "contacts": [
        {"id": 71, "name": "Иван", "lastName": "Петров", "phone": [{"value": "+79161234567", "valueType": "WORK"}]},
        {"id": 85, "name": "Мария", "lastName": "Сидорова", "phone": [{"value": "+74950000000", "valueType": "WORK"}]},
    ],
    "companies": [{"id": 15, "title": "ООО Ромашка", "industry": "IT"}],
    "leads": [{"id": 50, "title": "Заявка с сайта", "contactId": 71}, {"id": 51, "title": "Звонок", "contactId": 0}],
    "users": [{"id": 1, "name": "Летта", "lastName": "Иванова", "email": "l@example.ru", "active": True}],
    "currencies": [{"id": "RUB", "amount": 1.0, "amountCnt": 1, "base": True}],
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def seeded() -> Api:
    """The default demo portal; tests using it must not write."""
    return Api(Portal(clock=lambda: FIXED_NOW))


@pytest.fixture
def small() -> Api:
    """A fresh portal holding SMALL_DATA, with a fixed clock."""
    return Api(Portal(data=SMALL_DATA, clock=lambda: FIXED_NOW))


@pytest.fixture
def make_api() -> Callable[..., Api]:
    def make(data: Mapping[str, list[dict[str, object]]], **kwargs: Any) -> Api:
        return Api(Portal(data=data, clock=lambda: FIXED_NOW, **kwargs))

    return make


def store_snapshot(portal: Portal) -> bytes:
    """Every table's rows and id sequence as bytes, to prove a refused request changed nothing."""
    tables = {
        name: {"rows": [dict(row) for row in table.scan()], "next": table.last_id}
        for name, table in portal.store.tables.items()
    }
    return json.dumps(tables, ensure_ascii=True, sort_keys=True, default=repr).encode()
