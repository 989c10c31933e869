"""Composition root: settings → VibeCode client (live or demo portal) → tools → MCP server → transport.

`python -m server` serves stdio; `--transport http` serves Streamable HTTP on /mcp.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import anyio

from server import __version__, specs
from server.app import McpServer, build_server, serve_http, serve_stdio
from server.audit import AuditLog, default_path
from server.catalog import EntitySpec, load_catalog
from server.client import Transport, VibeCodeClient
from server.cursor import CursorCodec
from server.dispatch import Dispatcher
from server.errors import ConfigError, VibeCodeError
from server.metadata import MetadataStore
from server.operations import Operations
from server.ratelimit import RateLimiter, Storage
from server.redact import Redactor
from server.safety import Tier, WritePolicy
from server.settings import Settings, load_settings
from server.smart import typed_entities
from server.tools import ToolDef, build_tools

log = logging.getLogger("vibecode_mcp")


@dataclass(frozen=True)
class Assembled:
    server: McpServer
    tools: Mapping[str, ToolDef]
    client: VibeCodeClient
    dispatcher: Dispatcher


@asynccontextmanager
async def assemble(settings: Settings, transport: Transport | None = None) -> AsyncIterator[Assembled]:
    """Build the whole server; the VibeCode client stays open while the context lasts.

    With no API key the client talks to the embedded demo portal in-process.
    """
    if settings.api_key is not None:
        api_key = settings.api_key.reveal()
    else:
        from server.emulator import DEMO_API_KEY, EmulatorTransport, Portal

        api_key = DEMO_API_KEY
        if transport is None:
            portal = Portal(seed=settings.demo_seed, scale=settings.demo_scale)
            if settings.demo_limits:
                from server.emulator import limits

                limits.install(portal)
            transport = EmulatorTransport(portal)
    catalog = load_catalog()
    entities = catalog.select(settings.toolsets, settings.entities)
    secret = settings.cursor_secret.reveal().encode() if settings.cursor_secret else os.urandom(32)
    client = VibeCodeClient(
        api_key,
        settings.base_url,
        transport=transport,
        timeout=settings.timeout,
        call_timeout=settings.call_timeout,
        max_response_bytes=settings.max_response_bytes,
        limiter=build_limiter(settings),
    )
    async with client:
        meta_spec = specs.load("metadata.json")
        metadata = MetadataStore(client, entities, ttl=float(meta_spec["ttl_seconds"]))
        # No retries at start-up: an unreachable portal means the static catalog at once, not in seconds.
        await metadata.load(timeout=float(meta_spec["start_timeout_seconds"]), retries=False)
        ops = Operations(
            client, CursorCodec(secret), settings.max_result_tokens, metadata, rate_limit=settings.rate_limit
        )
        policy = write_policy(settings)
        # Every tool is built and dispatchable, so a hidden write named by a stale client gets a clear
        # refusal; tools/list offers only what the write tier allows.
        redactor = redactor_for(settings)
        audit = AuditLog(settings.audit_log or default_path(os.environ), redact=redactor.text)
        skip = catalog.skipped(settings.toolsets, settings.entities)
        dispatcher = Dispatcher(
            build_tools(catalog, with_smart_types(entities, metadata), ops, skip=skip),
            policy=policy,
            audit=audit.record,
            metadata=metadata,
            budget=settings.max_result_tokens,
        )
        tools = dispatcher.listed
        note = write_note(policy)
        if metadata.fallback_reason:
            note += (
                f"\nField metadata could not be fetched from the portal ({metadata.fallback_reason}): tool schemas"
                " follow the built-in catalog and may miss the portal's own fields and values; *_fields tools ask"
                " the portal directly."
            )
        server = build_server(
            dispatcher,
            demo=settings.demo,
            instructions_note=note,
            state_key=secret,
            redactor=redactor,
            call_timeout=settings.call_timeout,
        )
        yield Assembled(server=server, tools=tools, client=client, dispatcher=dispatcher)


def with_smart_types(entities: list[EntitySpec], metadata: MetadataStore) -> list[EntitySpec]:
    """The chosen entities with, right after `items`, one typed entity per smart process type (when few)."""
    out: list[EntitySpec] = []
    for entity in entities:
        out.append(entity)
        if entity.name == "items":
            types = metadata.smart_types
            fields = {t.key: metadata.get(entity, {"entityTypeId": t.entity_type_id}).fields for t in types}
            out.extend(typed_entities(entity, types, fields))
    return out


def write_policy(settings: Settings) -> WritePolicy:
    """The write tier and confirmation rules the settings ask for."""
    tier = cast(Tier, settings.effective_write_mode)  # one of WRITE_MODES: the settings checked it
    return WritePolicy(tier, settings.confirm_above, settings.allow_unconfirmed_writes)


def write_note(policy: WritePolicy) -> str:
    """The write mode, as the server instructions tell it to the model."""
    if policy.tier == "read-only":
        return "\nWrite mode: read-only. No tool changes the portal."
    what = "create and update, no deletes" if policy.tier == "safe-write" else "create, update and delete"
    return (
        f"\nWrite mode: {policy.tier} ({what}). Deletes and bulk writes of more than {policy.confirm_above} "
        "records ask the user to confirm; a dry run (dry_run=true) shows what would change first."
    )


def redactor_for(settings: Settings) -> Redactor:
    """Masks every secret the settings hold."""
    secrets = (settings.api_key, settings.http_token, settings.cursor_secret)
    return Redactor(s.reveal() for s in secrets if s is not None)


def build_limiter(settings: Settings) -> RateLimiter | None:
    """The shared rate limiter: none for the unlimited demo portal; in Redis when VIBECODE_REDIS_URL is set."""
    if settings.demo and not settings.demo_limits:
        return None
    storage: Storage | None = None
    if settings.redis_url:
        from server.ratelimit_redis import RedisStorage

        storage = RedisStorage(settings.redis_url)
    return RateLimiter(settings.rate_limit, settings.key_rate_limit, storage=storage, margin=settings.rate_margin)


def _announce(settings: Settings, n_tools: int) -> None:
    where = (
        "the embedded DEMO portal (no VIBECODE_API_KEY set)"
        if settings.demo
        else f"the VibeCode API at {settings.base_url}"
    )
    if settings.transport == "http":
        url = f"http://{settings.http_host}:{settings.http_port}/mcp"
        log.info("vibecode-mcp %s: %d tools over Streamable HTTP at %s, on %s", __version__, n_tools, url, where)
        log.info("connect: npx @modelcontextprotocol/inspector --cli %s --method tools/list", url)
    else:
        log.info("vibecode-mcp %s: %d tools over stdio, on %s", __version__, n_tools, where)


async def check_portal(client: VibeCodeClient) -> bool:
    """Ask /v1/me once and log, in one line, whether the key and base URL work."""
    try:
        resp = await client.request("GET", "/v1/me")
    except VibeCodeError as exc:
        log.warning("VibeCode API check failed: %s: %s %s", exc.code, exc.message, exc.hint or "")
        return False
    data: dict[str, Any] = resp.data if isinstance(resp.data, dict) else {}
    owner: dict[str, Any] = data["owner"] if isinstance(data.get("owner"), dict) else {}
    log.info("connected to %s as %s", data.get("portal", "the portal"), owner.get("name", "the key owner"))
    return True


async def serve(settings: Settings) -> None:
    async with assemble(settings) as built, anyio.create_task_group() as tg:
        _announce(settings, len(built.tools))
        if not settings.demo:
            tg.start_soon(check_portal, built.client)  # in the background: start-up is not delayed
        if settings.transport == "http":
            await serve_http(built.server, settings)
        else:
            await serve_stdio(built.server)
        tg.cancel_scope.cancel()


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point (`vibecode-mcp`, `python -m server`)."""
    try:
        settings = load_settings(os.environ, sys.argv[1:] if argv is None else argv)
    except ConfigError as exc:
        print(f"vibecode-mcp: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redactor_for(settings).install_logging()
    # httpx logs every request (with its URL) at INFO; our client logs what matters itself.
    for noisy in ("httpx", "httpcore", "mcp"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        anyio.run(serve, settings)
    except ConfigError as exc:
        print(f"vibecode-mcp: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
