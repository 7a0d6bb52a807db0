"""Keeping secrets (bot tokens, the webhook secret) out of every log line and traceback.

Libraries put request URLs, which can contain a token, into log messages and exception texts.
A logging filter on one logger misses records from its children and from exceptions formatted
later, so the redaction happens where every record is made: in the log record factory. It
scrubs the formatted message and pre-formats a scrubbed traceback. `redact()` is for text
that doesn't go through logging (a crash printed by the runner, a doctor report).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

_secrets: dict[str, str] = {}  # secret -> what it is replaced with
_lock = threading.Lock()
_installed = False
MIN_LENGTH = 8  # shorter strings would redact ordinary words


def protect(secret: str, label: str = "<secret>") -> None:
    """Replace `secret` with `label` in all logging from now on, and in `redact()`."""
    global _installed
    if len(secret) < MIN_LENGTH:
        return
    with _lock:
        _secrets.setdefault(secret, label)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def redact(text: str) -> str:
    # Longest first, so a whole token goes before its secret half would.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, _secrets[secret])
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
