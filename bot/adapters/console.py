"""Console chat: Backline in a terminal or through a pipe, same core as every platform.

Each bot message gets a number, shown as [N]. A plain line answers the latest prompt (typing a
button's label presses it); `reply N: text` replies to message N; `press N: label` presses a
button on message N. Message numbers persist in the database, so you can reply to yesterday's
message in a later run.

A terminal can't show a picture or hold a file: charts and exports are written to `files_dir`
(the database's folder when run by `backline`) and the message prints their path.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from bot.adapters.base import NO_HOOKS, CoachPort, Hooks
from bot.adapters.outlet import Delivery, SendPart
from bot.core.events import Attachment, Button, InboundEvent, Outbound, UserRef
from bot.delivery import DeliveryError

PLATFORM = "console"
REPLY_RE = re.compile(r"^\s*reply\s+(\d+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
PRESS_RE = re.compile(r"^\s*press\s+(\d+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass
class ConsoleChat:
    coach: CoachPort
    user: str = "you"
    out: TextIO = field(default_factory=lambda: sys.stdout)
    hooks: Hooks = NO_HOOKS
    platform: str = PLATFORM
    # Where charts and exports are written (None: they are only named, not saved).
    files_dir: Path | None = None
    _buttons: dict[str, tuple[Button, ...]] = field(default_factory=dict)
    _latest: str | None = None
    _typed: int = 0
    _delivery: Delivery[Outbound] = field(init=False)

    def __post_init__(self) -> None:
        self._delivery = Delivery(self, self.coach, self.hooks)

    @property
    def ref(self) -> UserRef:
        return UserRef(PLATFORM, self.user)

    async def say(self, line: str) -> None:
        """Handle one typed line and print the answers."""
        line = line.rstrip("\n")
        if not line.strip():
            return
        self._typed += 1
        event = self._event(line)
        await self._delivery.answer(event, await self.coach.handle(event))

    def _event(self, line: str) -> InboundEvent:
        base = InboundEvent(
            user=self.ref,
            chat_id=self.user,
            display_name=self.user,
            message_id=f"u{self._typed}",
            text=line,
        )
        if m := PRESS_RE.match(line):
            data = self._button_data(m.group(1), m.group(2))
            if data:
                return replace(base, text="", button=data, reply_to=m.group(1))
            return replace(base, text=m.group(2), reply_to=m.group(1))
        if m := REPLY_RE.match(line):
            return replace(base, text=m.group(2), reply_to=m.group(1))
        if self._latest and (data := self._button_data(self._latest, line)):
            return replace(base, text="", button=data, reply_to=self._latest)
        return base

    def _button_data(self, message_id: str, label: str) -> str | None:
        wanted = label.strip().lower()
        for button in self._buttons.get(message_id, ()):
            if button.label.lower() == wanted:
                return button.data
        return None

    async def send(self, chat_id: str, out: Outbound) -> str:
        """Print one message; also the `Sender` used for pushes in local runs."""
        return await self._delivery.push(chat_id, out)

    # -- the Outlet of bot.adapters.outlet: a message is printed whole ------------------------

    def render(self, out: Outbound) -> list[Outbound]:
        return [out]

    def sending_to(self, chat_id: str, *, interactive: bool = False) -> SendPart[Outbound]:
        return self._print

    def delivery_error(self, exc: Exception, chat_id: str) -> DeliveryError | None:
        return None  # printing has no failures of its own

    async def _print(self, _out: Outbound, out: Outbound, _index: int) -> str:
        message_id = await self.coach.next_message_id(PLATFORM)
        header = f"[{message_id}]"
        lines = [f"{header} {out.title}" if out.title else header]
        if out.preface:
            lines += [out.preface, ""]
        lines.append(out.text)
        for attachment in (out.image, out.document):
            if attachment is not None:
                lines.append(self._save(attachment))
        # No forms or deep links here: such buttons are left out (`reply N:` does the same).
        buttons = tuple(
            b for row in out.buttons for b in row if b.asks is None and b.private_start is None
        )
        if buttons:
            lines.append("    " + "  ".join(f"({b.label})" for b in buttons))
            self._buttons[message_id] = buttons
            self._latest = message_id  # typing a label presses a button of the latest prompt
        self.out.write("\n".join(lines) + "\n\n")
        self.out.flush()
        return message_id

    def _save(self, attachment: Attachment) -> str:
        """The line that tells where the file is: a shipped picture where it lies, a chart or
        an export written next to the database."""
        if attachment.path:  # a terminal can't show it; say where it is
            return f"    Picture: {attachment.path}"
        if self.files_dir is None:
            return f"({attachment.filename} is not saved in this chat)"
        safe_user = re.sub(r"[^A-Za-z0-9_-]+", "_", self.user) or "you"
        path = self.files_dir / f"{safe_user}-{attachment.filename}"
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.data)
        except OSError as exc:
            return f"(could not save {attachment.filename}: {exc.strerror or exc})"
        label = "Chart" if attachment.mime.startswith("image/") else "File"
        return f"{label} saved: {path}"

    async def run(self, stream: TextIO, prompt: bool) -> None:
        if prompt:
            self.out.write(
                "Backline console. Try /today, /howto rdl, /start or /help. "
                "Reply to a message with `reply N: 12 10 10`. Ctrl-D to quit.\n\n"
            )
        while True:
            if prompt:
                self.out.write("> ")
                self.out.flush()
            line = stream.readline()
            if not line:
                break
            await self.say(line)
