"""Replies and inbound events as JSON-able data and back, for the inbox: it stores each
answer with the effects of the update it answers (an answer a crash kept from being sent goes
out after the restart), and adapters whose platform can't deliver an update again store the
event itself (Discord).

Attachments (charts, exports) travel as base64 text; everything else as plain fields. A field
added to one of the events' dataclasses must be added here too (tests/test_inbox.py checks).
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Any, cast

from bot.core.events import (
    Attachment,
    Button,
    InboundEvent,
    LinkKind,
    MessageLink,
    Outbound,
    Reply,
    UserRef,
)


def event_to_json(event: InboundEvent) -> dict[str, Any]:
    return {
        "user": [event.user.platform, event.user.user_id],
        "chat_id": event.chat_id,
        "text": event.text,
        "display_name": event.display_name,
        "is_group": event.is_group,
        "is_admin": event.is_admin,
        "reply_to": event.reply_to,
        "button": event.button,
        "message_id": event.message_id,
        "edited": event.edited,
        "event_id": event.event_id,
        "content_missing": event.content_missing,
        "private_reply": event.private_reply,
    }


def event_from_json(data: dict[str, Any]) -> InboundEvent:
    platform, user_id = data["user"]
    fields = {k: v for k, v in data.items() if k != "user"}
    return InboundEvent(user=UserRef(platform, user_id), **fields)


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "messages": [_outbound_to_json(m) for m in reply.messages],
        "button_ack": reply.button_ack,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    return Reply([_outbound_from_json(m) for m in data["messages"]], data.get("button_ack"))


def _outbound_to_json(out: Outbound) -> dict[str, Any]:
    return {
        "text": out.text,
        "title": out.title,
        "buttons": [[[b.label, b.data] for b in row] for row in out.buttons],
        "image": _attachment_to_json(out.image),
        "document": _attachment_to_json(out.document),
        "link": _link_to_json(out.link),
        "private": out.private,
        "chat_id": out.chat_id,
    }


def _outbound_from_json(data: dict[str, Any]) -> Outbound:
    return Outbound(
        text=data["text"],
        title=data["title"],
        buttons=tuple(
            tuple(Button(label, value) for label, value in row) for row in data["buttons"]
        ),
        image=_attachment_from_json(data["image"]),
        document=_attachment_from_json(data["document"]),
        link=_link_from_json(data["link"]),
        private=data["private"],
        chat_id=data["chat_id"],
    )


def _attachment_to_json(file: Attachment | None) -> dict[str, str | None] | None:
    if file is None:
        return None
    data = base64.b64encode(file.data).decode("ascii")
    return {"filename": file.filename, "data": data, "mime": file.mime, "path": file.path}


def _attachment_from_json(data: dict[str, str | None] | None) -> Attachment | None:
    if data is None:
        return None
    filename, content, mime = data["filename"], data["data"], data["mime"]
    assert filename is not None and content is not None and mime is not None
    return Attachment(filename, base64.b64decode(content), mime, data.get("path"))


def _link_to_json(link: MessageLink | None) -> dict[str, Any] | None:
    if link is None:
        return None
    owner = link.owner
    return {
        "kind": link.kind,
        "plan_date": link.plan_date.isoformat() if link.plan_date else None,
        "exercise_id": link.exercise_id,
        "owner": [owner.platform, owner.user_id] if owner else None,
    }


def _link_from_json(data: dict[str, Any] | None) -> MessageLink | None:
    if data is None:
        return None
    day, owner = data["plan_date"], data["owner"]
    return MessageLink(
        kind=cast(LinkKind, data["kind"]),
        plan_date=date.fromisoformat(day) if day else None,
        exercise_id=data["exercise_id"],
        owner=UserRef(owner[0], owner[1]) if owner else None,
    )
