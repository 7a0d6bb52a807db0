"""Keeping the bot token out of every log line.

python-telegram-bot and httpx put request URLs, which contain the token, into log messages and
exception texts. A logging filter on one logger misses records from its children and from
exceptions formatted later, so the redaction happens where every record is made: in the log
record factory. It scrubs the formatted message and pre-formats a scrubbed traceback.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

REDACTED = "<telegram-token>"

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def protect_token(token: str) -> None:
    """Redact `token` (and its secret half) from all logging from now on; quiet httpx."""
    global _installed
    with _lock:
        _secrets.add(token)
        _, _, secret = token.partition(":")
        if len(secret) >= 8:
            _secrets.add(secret)
        if not _installed:
            previous = logging.getLogRecordFactory()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                _scrub(record)
                return record

            logging.setLogRecordFactory(factory)
            _installed = True
    # httpx logs every request URL at INFO.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def redact(text: str) -> str:
    # Longest first, so the whole token goes before its secret half would.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _scrub(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logging module's problem to report
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        # Formatters reuse exc_text when it is set, so the raw traceback is never rendered.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
