"""What every handler shares: the `Output` type and the `Operations` runtime (client, cursors, budget).

Handlers live in their own modules (`server.paging`, `server.reads`, `server.writes`, …) and
reach the portal through `Operations.request`, which takes method, path and cost from the
operation's spec. No MCP here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.catalog import EntitySpec
from server.client import ApiResponse, VibeCodeClient
from server.cursor import CursorCodec
from server.metadata import EntityMeta, MetadataStore
from server.names import Names

if TYPE_CHECKING:
    from server.registry import Target


@dataclass(frozen=True)
class Link:
    """A link to content the portal holds (a file's download URL), given to the client instead of the bytes."""

    uri: str
    name: str
    mime_type: str | None = None
    size: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class Output:
    """A tool's answer: structured content (matches the output schema), its text rendering, and links."""

    structured: dict[str, Any]
    text: str
    tokens: int | None = None  # the estimated cost of both, when the handler measured it already
    links: tuple[Link, ...] = ()
    # How the tool renders its structure as text: the budget check rebuilds a trimmed result's
    # text with it, so a trimmed aggregate still reads like one (None: the generic rendering).
    render: Callable[[Mapping[str, Any]], str] | None = None


def mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping, else an empty one (upstream shapes are checked, not trusted)."""
    return value if isinstance(value, Mapping) else {}


class Operations:
    """The services handlers share: one VibeCode client, the cursor codec and the result budget."""

    def __init__(
        self,
        client: VibeCodeClient,
        codec: CursorCodec,
        max_result_tokens: int,
        metadata: MetadataStore | None = None,
        *,
        rate_limit: float = 10.0,
    ) -> None:
        self.client = client
        self.codec = codec
        self.max_result_tokens = max_result_tokens
        self.names = Names(client)
        self.rate_limit = rate_limit  # portal units per second: what a write plan's time estimate uses
        self.metadata = metadata

    def meta(self, entity: EntitySpec, bound: Mapping[str, object] | None = None) -> EntityMeta:
        """The entity's current field metadata (live when fetched, else the static catalog); `bound`
        fills the path arguments (items of one smart process type have that type's fields)."""
        return self.metadata.get(entity, bound) if self.metadata is not None else EntityMeta.static(entity)

    async def request(
        self,
        target: Target,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        expect: str | None = None,
        **path_values: object,
    ) -> ApiResponse:
        """Call the target's operation upstream: method and path from its spec, placeholders filled;
        `expect` overrides the shape `data` must have (an update some entities answer with `true`)."""
        spec = target.spec
        return await self.client.request(
            spec.method, target.path(**path_values), params=params, json_body=json_body, expect=expect
        )
