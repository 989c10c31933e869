"""`GET /v1/me`: what a key sees of the portal (vibecode-api.md §11.2): the portal, its scopes, the
entities with their paths, the rate limit and the key's owner."""

from __future__ import annotations

from collections.abc import Mapping

from .routing import entity_path
from .schema import Entity
from .scopes import grants
from .store import Row

OPERATIONS = (
    "GET (list/by-id)",
    "POST (create)",
    "PATCH (update)",
    "DELETE",
    "POST /search",
    "GET /fields",
    "POST /aggregate",
    "POST /batch",
)


def describe(
    portal: str, entities: Mapping[str, Entity], owner: Row | None, owner_id: int, requests_per_second: int
) -> dict[str, object]:
    """The answer for the personal key whose user is `owner` (None: a portal without users)."""
    name = " ".join(str(owner.get(k)) for k in ("name", "lastName") if owner.get(k)) if owner else "Demo Owner"
    return {
        "type": "personal",
        "portal": portal,
        "scopes": sorted({entity.scope for entity in entities.values()}),
        "api": {
            "_rules": ["ALWAYS use entity API for ANY entity listed below"],
            "entityApi": {"entities": {name: entity_path(name) for name in entities}, "operations": list(OPERATIONS)},
            "batch": {"endpoint": "POST /v1/batch"},
        },
        "rateLimit": {"requestsPerSecond": requests_per_second},
        "errorCodes": {"format": "{ success: false, error: { code, message } }"},
        "auth": {"header": "X-Api-Key: <this-key>"},
        "owner": {"name": name, "userId": owner_id},
        "accessMode": "READWRITE",
        "expiresAt": None,
    }


def narrowed(data: dict[str, object], granted: frozenset[str], entities: Mapping[str, Entity]) -> dict[str, object]:
    """`data` for a key issued with fewer scopes: only those, and the entities they open."""
    data["scopes"] = sorted(granted)
    api = data["api"]
    if isinstance(api, dict) and isinstance(api.get("entityApi"), dict):
        api["entityApi"]["entities"] = {
            e.name: entity_path(e.name) for e in entities.values() if grants(granted, e.scope)
        }
    return data
