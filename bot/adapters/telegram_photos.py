"""Sending photos on Telegram, uploading each shipped picture once per bot.

An attachment with a `path` (an exercise drawing) is the same file every time: after its
first upload Telegram's file_id for it is stored (bot.store.uploads) and later sends pass the
id instead of the bytes. One-off pictures such as charts are always uploaded. A stored id
that Telegram no longer accepts is dropped and the picture uploaded again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from telegram import Bot, InputFile, Message
from telegram.error import BadRequest

from bot.adapters.base import FileIds
from bot.core.events import Attachment

log = logging.getLogger(__name__)

PLATFORM = "telegram"


class Photos:
    def __init__(self, ids: FileIds | None, account: str) -> None:
        self.ids = ids
        self.account = account  # the bot's id: file ids belong to one bot

    async def send(
        self, bot: Bot, chat: int | str, attachment: Attachment, **common: Any
    ) -> Message:
        if self.ids is None or attachment.path is None:
            return await bot.send_photo(chat, _upload(attachment), **common)
        digest = hashlib.sha256(attachment.data).hexdigest()
        known = await self._known(digest)
        if known is not None:
            try:
                return await bot.send_photo(chat, known, **common)
            except BadRequest as exc:
                if "file" not in exc.message.lower():
                    raise
                log.info(
                    "Telegram no longer knows %s (%s); uploading it again", attachment.path, exc
                )
                await self._forget(digest)
        message = await bot.send_photo(chat, _upload(attachment), **common)
        if message.photo:
            await self._remember(digest, message.photo[-1].file_id)
        return message

    # The cache only saves uploads: if the database can't help, the picture is uploaded.

    async def _known(self, digest: str) -> str | None:
        assert self.ids is not None
        try:
            return await self.ids.get(PLATFORM, self.account, digest)
        except Exception:
            log.exception("could not look up a stored Telegram file id")
            return None

    async def _remember(self, digest: str, file_id: str) -> None:
        assert self.ids is not None
        try:
            await self.ids.put(PLATFORM, self.account, digest, file_id)
        except Exception:
            log.exception("could not store a Telegram file id")

    async def _forget(self, digest: str) -> None:
        assert self.ids is not None
        try:
            await self.ids.drop(PLATFORM, self.account, digest)
        except Exception:
            log.exception("could not drop a stale Telegram file id")


def _upload(attachment: Attachment) -> InputFile:
    return InputFile(attachment.data, filename=attachment.filename)
