"""Outbound -> Discord messages: embeds for titled messages, plain content otherwise, buttons
as persistent components. Splits cleanly at line breaks to stay inside Discord's limits
(bot.adapters.lines)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import discord
from discord.utils import escape_markdown as _escape_markdown

from bot.adapters.lines import split_lines
from bot.core.events import Attachment, Button, Outbound

CONTENT_LIMIT = 2000  # characters of message content
DESCRIPTION_LIMIT = 4096  # characters of one embed's description
TITLE_LIMIT = 256
EMBEDS_TOTAL_LIMIT = 6000  # characters across all embeds of one message
EMBEDS_PER_MESSAGE = 10
LABEL_LIMIT = 80
ROWS_PER_MESSAGE = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_PREFIX = "backline:"  # + Button.data (<= 64 bytes): well inside the 100 limit
FORM_PREFIX = "backline-form:"  # a button that opens a form (Button.asks), + Button.data
MENU_ID = "backline-menu"  # a select menu; each option's value is a Button.data
MENU_OPTIONS = 25  # Discord's limit of options in one select menu
ANSWER_ID = "answer"  # the form's one text input
MODAL_TEXT_LIMIT = 45  # a modal's title and a text input's label
PLACEHOLDER_LIMIT = 150
EMBED_COLOUR = 0x2E7D5B  # one calm green for every Backline embed
# What can start something Discord reads as markdown (discord.utils.escape_markdown's
# patterns); "-" only counts at the start of a line (a list item).
_MARKDOWN_STARTS = frozenset("_\\~|*`>[#-")


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One Discord message to send; `discord.File`s are made at send time (they are one-shot)."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())
    menu: str | None = None  # the buttons are one choice: a select menu with this placeholder

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for Messageable.send / InteractionResponse.send_message."""
        out: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = list(self.embeds)
        if self.buttons:
            out["view"] = button_view(self.buttons, self.menu)
        if self.attachments:
            out["files"] = [discord.File(io.BytesIO(a.data), a.filename) for a in self.attachments]
        return out


class _Embed(discord.Embed):
    """discord.py always adds `"flags": 0` to embeds, a field the API's request schema does not
    have; leave it out so every request matches the published spec."""

    def to_dict(self) -> Any:
        data = super().to_dict()
        if not data.get("flags"):
            data.pop("flags", None)  # type: ignore[misc]
        return data


class BacklineButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"^backline:(?P<data>.+)$"
):
    """A button whose custom_id carries the core's callback data, so a press on a message sent
    before a restart still reaches the core (registered once with `add_dynamic_items`)."""

    prefix: ClassVar[str] = CUSTOM_ID_PREFIX
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, data: str, label: str = "·") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:LABEL_LIMIT], custom_id=self.prefix + data, style=self.style
            )
        )
        self.data = data
        self.label = label

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> Self:
        return cls(match["data"], getattr(item, "label", None) or "·")

    async def callback(self, interaction: discord.Interaction) -> None:
        # The client defines on_button; keeping the hop here keeps this module free of it.
        await interaction.client.on_button(interaction, self.data)  # type: ignore[attr-defined]


class FormButton(BacklineButton, template=r"^backline-form:(?P<data>.+)$"):
    """A button that first asks for a line of text in a form (a modal), then reaches the
    core with its data and what was typed (`Button.asks`)."""

    prefix = FORM_PREFIX
    style = discord.ButtonStyle.primary
    # What each kind of form asks, learned when its button is rendered: after a restart a
    # form opened from an older message falls back to the button's own label.
    questions: ClassVar[dict[str, str]] = {}

    @classmethod
    def asking(cls, data: str, label: str, asks: str) -> FormButton:
        cls.questions[data] = asks
        return cls(data, label)

    async def callback(self, interaction: discord.Interaction) -> None:
        question = FormButton.questions.get(self.data, self.label)
        await interaction.response.send_modal(AnswerForm(self.data, self.label, question))


class AnswerForm(discord.ui.Modal):
    """The form a FormButton opens: one line of text. Its submit is read by `submitted_form`
    from the interaction alone, so it needs no memory of the form being opened: the submit
    may reach another process (HTTP interactions) or this one after a restart."""

    def __init__(self, data: str, title: str, question: str) -> None:
        super().__init__(title=title[:MODAL_TEXT_LIMIT], custom_id=FORM_PREFIX + data)
        self.data = data
        self.answer: discord.ui.TextInput[AnswerForm] = discord.ui.TextInput(
            label=question[:MODAL_TEXT_LIMIT], custom_id=ANSWER_ID, max_length=400
        )
        self.add_item(self.answer)

    def is_finished(self) -> bool:
        # discord.py keeps an open modal in memory to route its submit; ours never needs it.
        return True


def submitted_form(interaction: discord.Interaction) -> tuple[str, str] | None:
    """(the button's data, what was typed) of a submitted AnswerForm; None for anything else."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id") or "")
    if interaction.type != discord.InteractionType.modal_submit:
        return None
    if not custom_id.startswith(FORM_PREFIX):
        return None
    return custom_id[len(FORM_PREFIX) :], _typed(data.get("components") or [])


def _typed(components: list[Any]) -> str:
    """The text input's value, in an action row (older forms) or a label (newer ones)."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == ANSWER_ID:
            return str(component.get("value") or "")
        inner = component.get("components") or [component.get("component")]
        found = _typed([c for c in inner if c])
        if found:
            return found
    return ""


class _MessageSelect(discord.ui.Select[Any]):
    """discord.py always sends `"required"`, which only applies to selects in modals (the
    API's message component schema has no such field); leave it out."""

    def to_component_dict(self) -> Any:
        data = dict(super().to_component_dict())
        data.pop("required", None)
        return data


class BacklineMenu(discord.ui.DynamicItem[discord.ui.Select], template=r"^backline-menu$"):
    """A select menu of one choice (`Outbound.menu`); the chosen value is a Button.data."""

    def __init__(self, placeholder: str = "·", options: tuple[Button, ...] = ()) -> None:
        super().__init__(
            _MessageSelect(
                custom_id=MENU_ID,
                placeholder=placeholder[:PLACEHOLDER_LIMIT],
                options=[
                    discord.SelectOption(label=b.label[:LABEL_LIMIT], value=b.data)
                    for b in options[:MENU_OPTIONS]
                ],
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> BacklineMenu:
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = list(data.get("values") or [])
        if not values:  # nothing chosen (a cleared menu): acknowledge quietly
            await interaction.response.defer()
            return
        client: Any = interaction.client  # the BacklineClient, which defines on_button
        await client.on_button(interaction, str(values[0]))


def button_view(rows: tuple[tuple[Button, ...], ...], menu: str | None = None) -> discord.ui.View:
    # timeout=None and only dynamic items: discord.py keeps no per-message state for it.
    view = discord.ui.View(timeout=None)
    if menu is not None:
        view.add_item(BacklineMenu(menu, tuple(b for row in rows for b in row)))
        return view
    for r, row in enumerate(rows[:ROWS_PER_MESSAGE]):
        for button in row[:BUTTONS_PER_ROW]:
            item: discord.ui.DynamicItem[discord.ui.Button]
            if button.asks is not None:
                item = FormButton.asking(button.data, button.label, button.asks)
            else:
                item = BacklineButton(button.data, button.label)
            item.item.row = r
            view.add_item(item)
    return view


def render(out: Outbound) -> list[DiscordMessage]:
    """The Discord messages for one Outbound, in order; buttons ride on the last one."""
    # No deep links into a DM here (interaction answers are already private): left out.
    rows = _button_rows(tuple(tuple(b for b in r if b.private_start is None) for r in out.buttons))
    options = sum(len(row) for row in rows)
    # Buttons are a menu only when they don't fit one row; a few stay one tap away.
    menu = out.menu if out.menu is not None and options > BUTTONS_PER_ROW else None
    if menu is not None:
        rows = (tuple(b for row in rows for b in row),)
    if out.title:
        messages = _embed_messages(out.title, out.text)
        if out.preface.strip():  # plain content above the embed
            first = messages[0]
            messages[0] = DiscordMessage(_fit(out.preface.strip(), CONTENT_LIMIT), first.embeds)
    elif out.preface.strip():
        text = f"{out.preface.strip()}\n\n{out.text}"
        messages = [DiscordMessage(content=c) for c in split_text(text, CONTENT_LIMIT)]
    else:
        messages = [DiscordMessage(content=c) for c in split_text(out.text, CONTENT_LIMIT)]
    if not messages:
        messages = [DiscordMessage(content="\u200b")] if rows or out.image or out.document else []
    messages = _attach(messages, out)
    # More rows than one message holds: the rest follow on their own small messages.
    groups = [rows[i : i + ROWS_PER_MESSAGE] for i in range(0, len(rows), ROWS_PER_MESSAGE)]
    if groups:
        last = messages[-1]
        messages[-1] = DiscordMessage(last.content, last.embeds, groups[0], last.attachments, menu)
        messages += [DiscordMessage(content="More options:", buttons=g) for g in groups[1:]]
    return messages


def _attach(messages: list[DiscordMessage], out: Outbound) -> list[DiscordMessage]:
    if out.image is not None:
        first = messages[0]
        if first.embeds:
            first.embeds[0].set_image(url=f"attachment://{out.image.filename}")
        messages[0] = DiscordMessage(first.content, first.embeds, (), (out.image,))
    if out.document is not None:
        last = messages[-1]
        messages[-1] = DiscordMessage(
            last.content, last.embeds, (), (*last.attachments, out.document)
        )
    return messages


def _button_rows(rows: tuple[tuple[Button, ...], ...]) -> tuple[tuple[Button, ...], ...]:
    """Rows of at most five buttons (a longer row wraps)."""
    out: list[tuple[Button, ...]] = []
    for row in rows:
        for i in range(0, len(row), BUTTONS_PER_ROW):
            if row[i : i + BUTTONS_PER_ROW]:
                out.append(tuple(row[i : i + BUTTONS_PER_ROW]))
    return tuple(out)


def _embed_messages(title: str, text: str) -> list[DiscordMessage]:
    safe_title = _fit(title, TITLE_LIMIT)
    chunks = split_text(text, DESCRIPTION_LIMIT) or [""]
    messages: list[DiscordMessage] = []
    batch: list[discord.Embed] = []
    size = 0
    for i, chunk in enumerate(chunks):
        embed = _Embed(description=chunk or None, colour=EMBED_COLOUR)
        length = len(chunk)
        if i == 0:
            embed.title = safe_title
            length += len(safe_title)
        if batch and (size + length > EMBEDS_TOTAL_LIMIT or len(batch) == EMBEDS_PER_MESSAGE):
            messages.append(DiscordMessage(embeds=tuple(batch)))
            batch, size = [], 0
        batch.append(embed)
        size += length
    messages.append(DiscordMessage(embeds=tuple(batch)))
    return messages


def escape_markdown(text: str, ignore_links: bool = True) -> str:
    """discord.utils.escape_markdown, without its regex for text that has nothing to escape
    (most lines: every message is escaped line by line, so this runs for each of them)."""
    found = _MARKDOWN_STARTS.intersection(text)
    if not found or (found == {"-"} and not _starts_a_line("-", text)):
        return text
    return _escape_markdown(text, ignore_links=ignore_links)


def _starts_a_line(char: str, text: str) -> bool:
    return any(line.lstrip().startswith(char) for line in text.split("\n"))


def _fit(text: str, limit: int) -> str:
    """Escaped text cut to `limit` characters, marked with an ellipsis when cut."""
    escaped = escape_markdown(text, ignore_links=True)
    if len(escaped) <= limit:
        return escaped
    cut = limit - 1
    while cut > 0 and len(escape_markdown(text[:cut], ignore_links=True)) > limit - 1:
        cut -= 1
    return escape_markdown(text[:cut], ignore_links=True) + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Markdown-escaped chunks of at most `limit` characters, cut at line breaks where
    possible, else at spaces, else anywhere (never inside an escape: each piece is escaped
    on its own, and measured as it will be sent)."""
    lines = ((line, None) for line in text.strip("\n").split("\n"))
    chunks = split_lines(lines, limit, _escaped_len)
    return ["\n".join(escape_markdown(line) for line, _ in chunk) for chunk in chunks]


def _escaped_len(text: str) -> int:
    return len(escape_markdown(text))
