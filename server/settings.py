"""Configuration from `VIBECODE_*` environment variables and matching command-line flags.

Flags win over the environment. Every bad value raises `ConfigError` with one line naming
the variable, so the server fails at start and never half-works.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

from server.errors import ConfigError

DEFAULT_BASE_URL = "https://vibecode.bitrix24.tech"
DEFAULT_MAX_RESULT_TOKENS = 6000
MAX_RESULT_TOKENS_CEILING = 20000
MIN_RESULT_TOKENS = 1000  # below this a page could not hold one record next to its cursor
WRITE_MODES = ("read-only", "safe-write", "full")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

T = TypeVar("T")


class Secret:
    """A string that never shows itself in reprs, logs or errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class HttpLimits:
    """Bounds of the HTTP transport (each from a `VIBECODE_HTTP_*` variable, see HTTP_LIMIT_VARS)."""

    max_connections: int = 1000
    max_requests: int = 256
    max_sessions: int = 500
    session_idle_timeout: float = 900.0
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: int = 5
    max_body_bytes: int = 1 << 20


# variable, HttpLimits field, type, allowed range
HTTP_LIMIT_VARS: tuple[tuple[str, str, type, float, float], ...] = (
    ("VIBECODE_HTTP_MAX_CONNECTIONS", "max_connections", int, 16, 1_000_000),
    ("VIBECODE_HTTP_MAX_REQUESTS", "max_requests", int, 1, 100_000),
    ("VIBECODE_HTTP_MAX_SESSIONS", "max_sessions", int, 1, 1_000_000),
    ("VIBECODE_HTTP_SESSION_IDLE_TIMEOUT", "session_idle_timeout", float, 1, 86_400),
    ("VIBECODE_HTTP_HEADER_TIMEOUT", "header_timeout", float, 0.1, 600),
    ("VIBECODE_HTTP_BODY_TIMEOUT", "body_timeout", float, 0.1, 3600),
    ("VIBECODE_HTTP_KEEP_ALIVE", "keep_alive", int, 1, 600),
    ("VIBECODE_HTTP_MAX_BODY_BYTES", "max_body_bytes", int, 1024, 1 << 30),
)


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to start; built by `load_settings` or directly in tests."""

    api_key: Secret | None = None
    base_url: str = DEFAULT_BASE_URL
    transport: str = "stdio"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http_token: Secret | None = None
    toolsets: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    read_only: bool = False
    write_mode: str = "full"  # read-only | safe-write | full; read_only=True forces read-only
    confirm_above: int = 10  # bulk writes of more records than this need a human's confirmation
    allow_unconfirmed_writes: bool = False  # operator opt-in for clients that cannot ask a human
    audit_log: str | None = None  # JSONL path, "-" for stderr; None: the default file in the state dir
    rate_limit: float = 10.0
    rate_margin: float | None = None  # seconds added to each rate window for network jitter (tool_specs default)
    key_rate_limit: int = 300
    max_result_tokens: int = DEFAULT_MAX_RESULT_TOKENS
    timeout: float = 30.0
    call_timeout: float = 60.0
    max_response_bytes: int = 32 * 1024 * 1024
    redis_url: str | None = None
    demo_limits: bool = False
    log_level: str = "INFO"
    demo_seed: int = 42
    demo_scale: float = 1.0
    cursor_secret: Secret | None = None
    http_stateless: bool = False
    http_allowed_hosts: tuple[str, ...] = ()
    http_allowed_origins: tuple[str, ...] = ()
    http_limits: HttpLimits = field(default_factory=lambda: HttpLimits())

    @property
    def effective_write_mode(self) -> str:
        """The write tier in force: `read_only` wins over `write_mode`."""
        return "read-only" if self.read_only else self.write_mode

    @property
    def demo(self) -> bool:
        """True when no API key is set: the server runs on the embedded demo portal."""
        return self.api_key is None


def _parse_bool(name: str, raw: str) -> bool:
    low = raw.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use true or false.")


def _parse_number(name: str, raw: str, cast: Callable[[str], T], low: float, high: float) -> T:
    try:
        value = cast(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number.") from None
    if not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is out of range; allowed {low:g}..{high:g}.")
    return value


def _header_safe(name: str, value: str) -> str:
    """A secret that travels in an HTTP header: printable ASCII without spaces (never echoed back)."""
    if any(c.isspace() for c in value):
        raise ConfigError(f"{name} contains whitespace; paste the key alone.")
    if not all("!" <= c <= "~" for c in value):
        raise ConfigError(
            f"{name} contains characters that cannot go in an HTTP header (non-ASCII or control); "
            "paste the key exactly as issued."
        )
    return value


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))


def _parse_url(name: str, raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name}={raw!r} is not an http(s) URL, e.g. {DEFAULT_BASE_URL}.")
    return raw.strip().rstrip("/")


def _parse_redis_url(name: str, raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"{name} is not a redis:// URL, e.g. redis://127.0.0.1:6379/0.")
    return raw.strip()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vibecode-mcp",
        description="MCP server for Bitrix24 through the VibeCode REST API. "
        "Without an API key it serves the embedded demo portal.",
    )
    add = p.add_argument
    add("--transport", choices=["stdio", "http"], help="stdio (default) or http (Streamable HTTP)")
    add("--host", dest="http_host", help="HTTP bind address (VIBECODE_HTTP_HOST, default 127.0.0.1)")
    add("--port", dest="http_port", help="HTTP port (VIBECODE_HTTP_PORT, default 8000)")
    add("--base-url", dest="base_url", help="VibeCode API base URL (VIBECODE_BASE_URL)")
    add("--toolsets", help="comma list of toolsets (VIBECODE_TOOLSETS), e.g. crm,tasks or all")
    add("--entities", help="comma list of entities to expose (VIBECODE_ENTITIES)")
    add("--read-only", dest="read_only", action="store_const", const="true", help="expose no write tools")
    add("--write-mode", dest="write_mode", help="read-only, safe-write or full (VIBECODE_WRITE_MODE)")
    add("--audit-log", dest="audit_log", help="audit log path, - for stderr (VIBECODE_AUDIT_LOG)")
    add("--rate-limit", dest="rate_limit", help="portal units per second (VIBECODE_RATE_LIMIT)")
    add("--rate-margin", dest="rate_margin", help="seconds of jitter allowance per rate window (VIBECODE_RATE_MARGIN)")
    add("--key-rate-limit", dest="key_rate_limit", help="key requests per minute (VIBECODE_KEY_RATE_LIMIT)")
    add("--max-result-tokens", dest="max_result_tokens", help="token budget per tool result")
    add("--timeout", help="upstream read/connect timeout in seconds (VIBECODE_TIMEOUT)")
    add("--call-timeout", dest="call_timeout", help="total seconds one tool call may take (VIBECODE_CALL_TIMEOUT)")
    add("--max-response-bytes", dest="max_response_bytes", help="cap on one upstream answer's size")
    add("--redis-url", dest="redis_url", help="share the rate budget between processes (VIBECODE_REDIS_URL)")
    add(
        "--demo-limits",
        dest="demo_limits",
        action="store_const",
        const="true",
        help="demo portal enforces the real rate limits and queue (VIBECODE_DEMO_LIMITS)",
    )
    add("--stateless", dest="http_stateless", action="store_const", const="true", help="HTTP without sessions")
    add("--log-level", dest="log_level", help="DEBUG, INFO, WARNING or ERROR (VIBECODE_LOG_LEVEL)")
    return p


ENV_NAMES = {
    "transport": "VIBECODE_TRANSPORT",
    "http_host": "VIBECODE_HTTP_HOST",
    "http_port": "VIBECODE_HTTP_PORT",
    "base_url": "VIBECODE_BASE_URL",
    "toolsets": "VIBECODE_TOOLSETS",
    "entities": "VIBECODE_ENTITIES",
    "read_only": "VIBECODE_READ_ONLY",
    "write_mode": "VIBECODE_WRITE_MODE",
    "confirm_above": "VIBECODE_CONFIRM_ABOVE",
    "allow_unconfirmed_writes": "VIBECODE_ALLOW_UNCONFIRMED_WRITES",
    "audit_log": "VIBECODE_AUDIT_LOG",
    "rate_limit": "VIBECODE_RATE_LIMIT",
    "rate_margin": "VIBECODE_RATE_MARGIN",
    "key_rate_limit": "VIBECODE_KEY_RATE_LIMIT",
    "max_result_tokens": "VIBECODE_MAX_RESULT_TOKENS",
    "timeout": "VIBECODE_TIMEOUT",
    "call_timeout": "VIBECODE_CALL_TIMEOUT",
    "max_response_bytes": "VIBECODE_MAX_RESPONSE_BYTES",
    "redis_url": "VIBECODE_REDIS_URL",
    "demo_limits": "VIBECODE_DEMO_LIMITS",
    "log_level": "VIBECODE_LOG_LEVEL",
    "http_stateless": "VIBECODE_HTTP_STATELESS",
    "http_allowed_hosts": "VIBECODE_HTTP_ALLOWED_HOSTS",
    "http_allowed_origins": "VIBECODE_HTTP_ALLOWED_ORIGINS",
}


def load_settings(environ: Mapping[str, str], argv: Sequence[str] = ()) -> Settings:
    """Build settings from an environment mapping and command-line arguments.

    Raises:
        ConfigError: a value is malformed or out of range; the message names the variable.
    """
    args = vars(_parser().parse_args(list(argv)))
    raw: dict[str, tuple[str, str]] = {}
    for key, env in ENV_NAMES.items():
        if args.get(key) is not None:
            raw[key] = ("--" + key.replace("_", "-").removeprefix("http-"), str(args[key]))
        elif environ.get(env, "").strip():
            raw[key] = (env, environ[env])

    kw: dict[str, object] = {}
    if key_raw := environ.get("VIBECODE_API_KEY", "").strip():
        kw["api_key"] = Secret(_header_safe("VIBECODE_API_KEY", key_raw))
    if token := environ.get("VIBECODE_HTTP_TOKEN", "").strip():
        kw["http_token"] = Secret(_header_safe("VIBECODE_HTTP_TOKEN", token))
    if secret := environ.get("VIBECODE_CURSOR_SECRET", "").strip():
        kw["cursor_secret"] = Secret(secret)
    for key, (name, value) in raw.items():
        kw[key] = _convert(key, name, value)
    limits = {
        key: _parse_number(env, environ[env], cast, low, high)
        for env, key, cast, low, high in HTTP_LIMIT_VARS
        if environ.get(env, "").strip()
    }
    if limits:
        kw["http_limits"] = HttpLimits(**limits)
    for env, key, cast, low, high in (
        ("VIBECODE_DEMO_SEED", "demo_seed", int, 0, 2**31),
        ("VIBECODE_DEMO_SCALE", "demo_scale", float, 0.01, 250.0),
    ):
        if environ.get(env, "").strip():
            kw[key] = _parse_number(env, environ[env], cast, low, high)

    settings = Settings(**kw)  # type: ignore[arg-type]
    if settings.demo and "base_url" in raw:
        raise ConfigError(
            f"{raw['base_url'][0]} is set but VIBECODE_API_KEY is not; set the key, "
            "or unset the base URL to use the demo portal."
        )
    if settings.transport == "http" and settings.http_host not in LOOPBACK_HOSTS and not settings.http_token:
        raise ConfigError(
            f"VIBECODE_HTTP_HOST={settings.http_host} is not loopback; set VIBECODE_HTTP_TOKEN "
            "so clients must send a bearer token."
        )
    return settings


def _convert(key: str, name: str, value: str) -> object:
    if key == "transport":
        if value.strip() not in {"stdio", "http"}:
            raise ConfigError(f"{name}={value!r} is not a transport; use stdio or http.")
        return value.strip()
    if key == "http_port":
        return _parse_number(name, value, int, 1, 65535)
    if key == "base_url":
        return _parse_url(name, value)
    if key in {"toolsets", "entities", "http_allowed_hosts"}:
        return _parse_list(value)
    if key == "http_allowed_origins":
        return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    if key == "http_stateless":
        return _parse_bool(name, value)
    if key in {"toolsets", "entities"}:
        return _parse_list(value)
    if key in {"read_only", "allow_unconfirmed_writes", "demo_limits"}:
        return _parse_bool(name, value)
    if key == "write_mode":
        mode = value.strip().lower().replace("_", "-")
        if mode not in WRITE_MODES:
            raise ConfigError(f"{name}={value!r} is not a write mode; use {', '.join(WRITE_MODES)}.")
        return mode
    if key == "confirm_above":
        return _parse_number(name, value, int, 0, 100000)
    if key == "call_timeout":
        return _parse_number(name, value, float, 1.0, 3600.0)
    if key == "max_response_bytes":
        return _parse_number(name, value, int, 64 * 1024, 2**31)
    if key == "redis_url":
        return _parse_redis_url(name, value)
    if key == "rate_margin":
        return _parse_number(name, value, float, 0.0, 1.0)
    if key == "rate_limit":
        return _parse_number(name, value, float, 0.1, 1000.0)
    if key == "key_rate_limit":
        return _parse_number(name, value, int, 1, 100000)
    if key == "max_result_tokens":
        return _parse_number(name, value, int, MIN_RESULT_TOKENS, MAX_RESULT_TOKENS_CEILING)
    if key == "timeout":
        return _parse_number(name, value, float, 0.5, 600.0)
    if key == "log_level":
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"{name}={value!r} is not a log level; use DEBUG, INFO, WARNING or ERROR.")
        return level
    return value.strip()  # http_host
