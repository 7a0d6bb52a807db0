"""Replies and inbound events as JSON-able data and back, for the inbox: it stores each
answer with the effects of the update it answers (an answer a crash kept from being sent goes
out after the restart), and adapters whose platform can't deliver an update again store the
event itself (Discord).

Every field of the events' dataclasses travels by name, so a field added later needs nothing
here unless its type is not plain JSON (bytes, dates, nested records: the converters below).
Reading ignores names it doesn't know and leaves missing ones at their defaults, so an answer
stored by an older or newer Backline still reads.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar

from bot.core.events import Attachment, Button, InboundEvent, MessageLink, Outbound, Reply, UserRef

T = TypeVar("T")
Convert = Callable[[Any], Any]


def _write(obj: object, convert: dict[str, Convert]) -> dict[str, Any]:
    return {
        f.name: convert.get(f.name, _same)(getattr(obj, f.name))
        for f in fields(obj)  # type: ignore[arg-type]
    }


def _read(cls: type[T], data: dict[str, Any], convert: dict[str, Convert]) -> T:
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: convert.get(k, _same)(v) for k, v in data.items() if k in known}
    return cls(**values)


def _same(value: Any) -> Any:
    return value


def _maybe(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _ref_to_json(ref: UserRef) -> list[str]:
    return [ref.platform, ref.user_id]


def _ref_from_json(data: list[str]) -> UserRef:
    return UserRef(data[0], data[1])


_LINK_OUT: dict[str, Convert] = {
    "plan_date": _maybe(date.isoformat),
    "owner": _maybe(_ref_to_json),
}
_LINK_IN: dict[str, Convert] = {
    "plan_date": _maybe(date.fromisoformat),
    "owner": _maybe(_ref_from_json),
}
_FILE_OUT: dict[str, Convert] = {"data": lambda b: base64.b64encode(b).decode("ascii")}
_FILE_IN: dict[str, Convert] = {"data": base64.b64decode}


def _file_out(file: Attachment) -> dict[str, Any]:
    return _write(file, _FILE_OUT)


def _file_in(data: dict[str, Any]) -> Attachment:
    return _read(Attachment, data, _FILE_IN)


def _link_out(link: MessageLink) -> dict[str, Any]:
    return _write(link, _LINK_OUT)


def _link_in(data: dict[str, Any]) -> MessageLink:
    return _read(MessageLink, data, _LINK_IN)


def _rows_out(rows: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, Any]]]:
    return [[_write(b, {}) for b in row] for row in rows]


def _rows_in(rows: list[list[dict[str, Any]]]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(_read(Button, b, {}) for b in row) for row in rows)


_OUTBOUND_OUT: dict[str, Convert] = {
    "buttons": _rows_out,
    "image": _maybe(_file_out),
    "document": _maybe(_file_out),
    "link": _maybe(_link_out),
}
_OUTBOUND_IN: dict[str, Convert] = {
    "buttons": _rows_in,
    "image": _maybe(_file_in),
    "document": _maybe(_file_in),
    "link": _maybe(_link_in),
}
_REPLY_OUT: dict[str, Convert] = {"messages": lambda ms: [_write(m, _OUTBOUND_OUT) for m in ms]}
_REPLY_IN: dict[str, Convert] = {
    "messages": lambda ms: [_read(Outbound, m, _OUTBOUND_IN) for m in ms]
}
_EVENT_OUT: dict[str, Convert] = {"user": _ref_to_json}
_EVENT_IN: dict[str, Convert] = {"user": _ref_from_json}


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return _write(reply, _REPLY_OUT)


def reply_from_json(data: dict[str, Any]) -> Reply:
    return _read(Reply, data, _REPLY_IN)


def event_to_json(event: InboundEvent) -> dict[str, Any]:
    return _write(event, _EVENT_OUT)


def event_from_json(data: dict[str, Any]) -> InboundEvent:
    return _read(InboundEvent, data, _EVENT_IN)
