"""Which Telegram messages become events: the text-less cases."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Update, User

from bot.adapters.telegram_inbound import translate

BOT = User(id=99, first_name="Backline", is_bot=True, username="BacklineBot")


def _update(chat_type: str, **message: Any) -> Update:
    chat = {"id": -5 if chat_type != "private" else 7, "type": chat_type}
    raw = {
        "update_id": 1,
        "message": {
            "message_id": 10,
            "date": 1,
            "chat": chat,
            "from": {"id": 7, "is_bot": False, "first_name": "Ada"},
            "sticker": {
                "file_id": "s1",
                "file_unique_id": "u1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
            **message,
        },
    }
    return Update.de_json(raw, Bot("1:fake"))


def test_a_sticker_in_a_private_chat_asks_for_text() -> None:
    translated = translate(_update("private"), BOT)
    assert translated is not None
    assert translated.event.content_missing and translated.event.text == ""


def test_a_sticker_among_group_members_is_ignored() -> None:
    assert translate(_update("group"), BOT) is None


def test_a_sticker_replying_to_backline_in_a_group_gets_the_pointer() -> None:
    reply = {"message_id": 3, "date": 1, "chat": {"id": -5, "type": "group"}, "from": BOT.to_dict()}
    translated = translate(_update("group", reply_to_message=reply), BOT)
    assert translated is not None
    assert translated.event.content_missing and translated.event.reply_to == "3"
