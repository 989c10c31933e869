"""The VibeCode error envelope: one exception type carrying status, code and message."""

from __future__ import annotations

from collections.abc import Mapping

SUPPORTED_OPERATORS_TEXT = "$gt, $gte, $lt, $lte, $ne, $contains, $in, $nin, >, >=, <, <=, !, %, !="
ECHO_CHARS = 80  # one echoed input value (a field name, a value, a path)
MAX_MESSAGE_CHARS = 2000  # a whole message or hint, whatever was echoed into it


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """Input quoted back in an error message, cut to `limit` characters with a note of the rest."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"


class ApiError(Exception):
    """An error the portal answers with `{"success": false, "error": {...}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        hint: str | None = None,
        retry_after: int | None = None,
        data: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        user_message: str | None = None,
    ) -> None:
        # The cap catches every echo site, including ones that quote input without `echo`.
        message = echo(message, MAX_MESSAGE_CHARS)
        hint = None if hint is None else echo(hint, MAX_MESSAGE_CHARS)
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.user_message = user_message  # Russian text for end users (infrastructure and queue errors)
        self.retry_after = retry_after
        self.data = data
        self.headers = dict(headers or {})

    def error_object(self) -> dict[str, object]:
        """The `error` member of the envelope (also used per call inside batches)."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.user_message is not None:
            error["userMessage"] = self.user_message
        if self.hint is not None:
            error["hint"] = self.hint
        if self.retry_after is not None:
            error["retryAfter"] = self.retry_after
        return error

    def envelope(self) -> dict[str, object]:
        body: dict[str, object] = {"success": False, "error": self.error_object()}
        if self.data is not None:
            body["data"] = dict(self.data)
        return body


def internal_error() -> ApiError:
    """What a bug in the portal answers (Коды ошибок, `INTERNAL_ERROR`); the store is left unchanged."""
    return ApiError(500, "INTERNAL_ERROR", "Internal server error")


def access_denied() -> ApiError:
    """Bitrix24's ACCESS_DENIED, as Vibe passes it on (Коды ошибок, BITRIX_ACCESS_DENIED)."""
    return ApiError(403, "BITRIX_ACCESS_DENIED", "ACCESS_DENIED")


def invalid_params(message: str, *, hint: str | None = None) -> ApiError:
    return ApiError(400, "INVALID_PARAMS", message, hint=hint)


def validation_error(issues: list[str]) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "; ".join(issues))


def not_found() -> ApiError:
    return ApiError(404, "ENTITY_NOT_FOUND", "Элемент не найден")


def route_not_found(method: str, path: str, *, hint: str | None = None) -> ApiError:
    return ApiError(404, "ROUTE_NOT_FOUND", f"Route {method}:{echo(path)} not found", hint=hint)


def unknown_filter_field(name: str, available: list[str] | None = None) -> ApiError:
    hint = f"Available fields: {', '.join(available)}" if available else None
    return ApiError(400, "INVALID_FILTER_FIELD", f"Unknown filter field '{echo(name)}'", hint=hint)


def unknown_operator(op: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_FILTER_OPERATOR",
        f"Unknown filter operator: {echo(op)}. Supported: {SUPPORTED_OPERATORS_TEXT}",
    )


def invalid_filter(message: str) -> ApiError:
    return ApiError(400, "INVALID_FILTER", message)
