"""Keeping the bot token out of every log line (the machinery is in bot.ops.redaction).

python-telegram-bot and httpx put request URLs, which contain the token, into log messages and
exception texts; both the whole token and its secret half are redacted.
"""

from __future__ import annotations

import logging

from bot.ops.redaction import protect, redact

REDACTED = "<telegram-token>"

__all__ = ["REDACTED", "protect_token", "redact"]


def protect_token(token: str) -> None:
    """Redact `token` (and its secret half) from all logging from now on; quiet httpx."""
    protect(token, REDACTED)
    _, _, secret = token.partition(":")
    protect(secret, REDACTED)
    # httpx logs every request URL at INFO.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
