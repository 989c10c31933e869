from __future__ import annotations

import pytest

from server.errors import ConfigError
from server.settings import Secret, load_settings


def test_no_key_means_demo_portal_with_documented_defaults() -> None:
    s = load_settings({})
    assert s.demo and s.api_key is None
    assert (s.transport, s.http_host, s.http_port) == ("stdio", "127.0.0.1", 8000)
    assert (s.rate_limit, s.key_rate_limit, s.max_result_tokens) == (10.0, 300, 6000)
    assert s.base_url == "https://vibecode.bitrix24.tech"


def test_environment_is_read_and_flags_win_over_it() -> None:
    env = {
        "VIBECODE_API_KEY": "vibe_api_abc",
        "VIBECODE_TOOLSETS": "crm, tasks",
        "VIBECODE_READ_ONLY": "yes",
        "VIBECODE_HTTP_PORT": "9000",
        "VIBECODE_MAX_RESULT_TOKENS": "8000",
    }
    s = load_settings(env, ["--transport", "http", "--port", "9100"])
    assert not s.demo and s.api_key == Secret("vibe_api_abc")
    assert s.toolsets == ("crm", "tasks") and s.read_only is True
    assert (s.transport, s.http_port, s.max_result_tokens) == ("http", 9100, 8000)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VIBECODE_RATE_LIMIT": "fast"}, "VIBECODE_RATE_LIMIT"),
        ({"VIBECODE_KEY_RATE_LIMIT": "0"}, "VIBECODE_KEY_RATE_LIMIT"),
        ({"VIBECODE_MAX_RESULT_TOKENS": "50000"}, "VIBECODE_MAX_RESULT_TOKENS"),
        ({"VIBECODE_MAX_RESULT_TOKENS": "500"}, "VIBECODE_MAX_RESULT_TOKENS"),
        ({"VIBECODE_BASE_URL": "vibecode.bitrix24.tech"}, "VIBECODE_BASE_URL"),
        ({"VIBECODE_READ_ONLY": "maybe"}, "VIBECODE_READ_ONLY"),
        ({"VIBECODE_TRANSPORT": "sse"}, "VIBECODE_TRANSPORT"),
        ({"VIBECODE_HTTP_PORT": "70000"}, "VIBECODE_HTTP_PORT"),
        ({"VIBECODE_LOG_LEVEL": "loud"}, "VIBECODE_LOG_LEVEL"),
        ({"VIBECODE_API_KEY": "vibe_api_ abc"}, "VIBECODE_API_KEY"),
        ({"VIBECODE_TRANSPORT": "http", "VIBECODE_HTTP_HOST": "0.0.0.0"}, "VIBECODE_HTTP_TOKEN"),
        ({"VIBECODE_BASE_URL": "https://vibecode.bitrix24.tech"}, "VIBECODE_API_KEY"),
    ],
)
def test_bad_configuration_fails_with_one_line_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env)
    assert named in exc.value.message and "\n" not in exc.value.message


def test_secrets_never_show_in_reprs() -> None:
    s = load_settings({"VIBECODE_API_KEY": "vibe_api_topsecret", "VIBECODE_HTTP_TOKEN": "tok_secret"})
    assert "topsecret" not in repr(s) and "tok_secret" not in repr(s)
    assert s.api_key is not None and s.api_key.reveal() == "vibe_api_topsecret"


def test_non_loopback_http_is_allowed_with_a_token() -> None:
    s = load_settings({"VIBECODE_HTTP_HOST": "0.0.0.0", "VIBECODE_HTTP_TOKEN": "t"}, ["--transport", "http"])
    assert s.http_host == "0.0.0.0"


def test_write_mode_tiers_and_the_read_only_alias() -> None:
    assert load_settings({}).effective_write_mode == "full"
    assert load_settings({"VIBECODE_WRITE_MODE": "safe_write"}).effective_write_mode == "safe-write"
    assert load_settings({}, ["--write-mode", "read-only"]).effective_write_mode == "read-only"
    # VIBECODE_READ_ONLY is the old spelling of the strictest tier and wins over any write mode.
    assert load_settings({"VIBECODE_WRITE_MODE": "full", "VIBECODE_READ_ONLY": "1"}).effective_write_mode == "read-only"


def test_confirmation_and_audit_settings() -> None:
    s = load_settings(
        {
            "VIBECODE_CONFIRM_ABOVE": "25",
            "VIBECODE_ALLOW_UNCONFIRMED_WRITES": "true",
            "VIBECODE_AUDIT_LOG": "-",
        }
    )
    assert (s.confirm_above, s.allow_unconfirmed_writes, s.audit_log) == (25, True, "-")
    d = load_settings({})
    assert (d.confirm_above, d.allow_unconfirmed_writes, d.audit_log) == (10, False, None)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VIBECODE_WRITE_MODE": "yolo"}, "VIBECODE_WRITE_MODE"),
        ({"VIBECODE_CONFIRM_ABOVE": "-1"}, "VIBECODE_CONFIRM_ABOVE"),
        ({"VIBECODE_ALLOW_UNCONFIRMED_WRITES": "perhaps"}, "VIBECODE_ALLOW_UNCONFIRMED_WRITES"),
    ],
)
def test_bad_write_settings_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(env)
    assert named in exc.value.message
