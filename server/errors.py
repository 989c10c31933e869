"""The project's exception tree; every failure a tool can report is one of these.

    VibeCodeError                 code, message, hint, retryable
    ├── ConfigError               bad configuration, found at start-up
    ├── InvalidArguments          tool arguments rejected before any upstream call
    ├── WaitTooLong               the rate budget or a retry wait would pass the call's deadline
    ├── WriteRefused              a write the write mode or the human did not allow
    │   ├── ReadOnlyRefusal       the server runs read-only
    │   └── NotConfirmed          a confirmation was declined, cancelled or could not be asked
    ├── TransportError            no usable answer from the VibeCode API
    │   ├── ConnectError          the request was never sent: safe to retry
    │   ├── OutcomeUnknown        sent, no answer: a write may or may not have happened
    │   ├── DeadlineExceeded      a read got no usable answer before the call's deadline
    │   └── BadResponse           an answer that is not a VibeCode envelope
    │       └── ResponseTooLarge  a body over the size cap (not retried)
    └── ApiError                  an upstream error envelope (status, code)
        ├── BadRequest            400
        ├── AuthError             401
        ├── PaymentRequired       402
        ├── AccessDenied          403
        ├── NotFound              404
        ├── Conflict              409
        ├── BusinessError         422 (Bitrix24 rejected the operation)
        ├── RateLimited           429
        ├── UpstreamServerError   500
        └── UpstreamUnavailable   502, 503, 504

Only `client.py` raises the transport and API classes; the MCP boundary turns any of them
into an `isError` result through `VibeCodeError.to_dict()`.
"""

from __future__ import annotations

from typing import Any


class VibeCodeError(Exception):
    """Base class: a failure with a machine code, a message and a hint for the caller."""

    default_code = "INTERNAL_ERROR"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        suggestions: list[str] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.hint = hint
        self.suggestions = suggestions
        if retryable is not None:
            self.retryable = retryable

    def to_dict(self) -> dict[str, Any]:
        """The `error` object of a tool's structured result."""
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "retryable": self.retryable,
        }
        if self.suggestions:
            out["suggestions"] = self.suggestions
        return out


class ConfigError(VibeCodeError):
    """Configuration that cannot work; the message names the variable."""

    default_code = "CONFIG_ERROR"


class InvalidArguments(VibeCodeError):
    """Tool arguments that fail validation; nothing was sent upstream."""

    default_code = "INVALID_ARGUMENTS"


class WriteRefused(VibeCodeError):
    """A write the write mode or the human did not allow; nothing was sent upstream."""

    default_code = "WRITE_REFUSED"


class ReadOnlyRefusal(WriteRefused):
    """A write tool was called while the server runs read-only; nothing was sent upstream."""

    default_code = "READ_ONLY"


class NotConfirmed(WriteRefused):
    """A write that needs a human's confirmation did not get it (declined, cancelled or not askable)."""

    default_code = "CONFIRMATION_REQUIRED"


class TransportError(VibeCodeError):
    """No usable answer from the VibeCode API."""

    default_code = "UPSTREAM_UNREACHABLE"
    retryable = True


class ConnectError(TransportError):
    """The connection failed before the request was sent."""

    default_code = "UPSTREAM_UNREACHABLE"


class OutcomeUnknown(TransportError):
    """The request was sent but no answer came; a write may or may not have been applied."""

    default_code = "OUTCOME_UNKNOWN"
    retryable = False


class BadResponse(TransportError):
    """The upstream answered with something that is not a VibeCode envelope."""

    default_code = "BAD_RESPONSE"


class WaitTooLong(VibeCodeError):
    """Waiting for the rate budget (or for a retry) would pass the call's deadline; nothing was sent."""

    default_code = "RATE_LIMIT_WAIT"
    retryable = True

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["retry_after"] = round(self.retry_after, 2)
        return out


class DeadlineExceeded(TransportError):
    """A read got no usable answer before the call's deadline."""

    default_code = "DEADLINE_EXCEEDED"


class ResponseTooLarge(BadResponse):
    """The upstream body exceeded the size cap; repeating the same request cannot help."""

    default_code = "RESPONSE_TOO_LARGE"
    retryable = False


class ApiError(VibeCodeError):
    """An error envelope returned by the VibeCode API."""

    default_code = "API_ERROR"

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
        suggestions: list[str] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint, suggestions=suggestions, retryable=retryable)
        self.status = status
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["status"] = self.status
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        return out


class BadRequest(ApiError):
    """400: the request was malformed or its values invalid."""


class AuthError(ApiError):
    """401: the API key is missing, unknown, expired or of the wrong type."""


class PaymentRequired(ApiError):
    """402: billing, trial or plan restrictions."""


class AccessDenied(ApiError):
    """403: scope, rights or key mode do not allow the call."""


class NotFound(ApiError):
    """404: no such record or route."""


class Conflict(ApiError):
    """409: the call conflicts with current state."""


class BusinessError(ApiError):
    """422: Bitrix24 rejected the operation."""


class RateLimited(ApiError):
    """429: a rate limit or circuit breaker refused the call."""

    retryable = True


class UpstreamServerError(ApiError):
    """500: a fault inside VibeCode."""

    retryable = True


class UpstreamUnavailable(ApiError):
    """502/503/504: Bitrix24 or the portal queue did not answer in time."""

    retryable = True
