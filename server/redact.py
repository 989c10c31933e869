"""Keep secrets and oversized echoes out of everything that leaves the process.

The API key and the HTTP token must not reach a client or a log line, whatever the upstream or a
caller echoes back: results and errors pass through `Redactor.value` at the MCP boundary, and every
log record through `Redactor.install_logging`. `clip` shortens quoted input for error messages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

MASK = "[redacted]"
MIN_SECRET = 6  # shorter strings would mask ordinary words; keys and tokens are far longer


def clip(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters, with a note of how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…(+{len(text) - limit} chars)"


class Redactor:
    """Replaces each secret (and its URL- and JSON-escaped forms) with a mask."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET:
                forms.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
        # Longest first, so a form that contains another is masked whole.
        self.forms = tuple(sorted(forms, key=len, reverse=True))

    def text(self, text: str) -> str:
        for form in self.forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def leaks(self, text: str) -> bool:
        return any(form in text for form in self.forms)

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string (keys included) redacted; the same object when clean."""
        if not self.forms:
            return value
        if not self.leaks(json.dumps(value, ensure_ascii=False, default=str)):
            return value  # one C-speed scan; the walk below runs only when a secret is present
        return self._walk(value)

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self._walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(v) for v in value]
        return value

    def install_logging(self) -> None:
        """Redact every record that reaches a root handler (message, arguments and traceback)."""
        if not self.forms:
            return
        flt = _RedactingFilter(self)
        for handler in logging.getLogger().handlers:
            handler.addFilter(flt)


class _RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self.redactor.text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.text(record.stack_info)
        return True
