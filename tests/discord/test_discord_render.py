"""Outbound -> Discord messages: escaping, splitting within limits, buttons, attachments."""

from __future__ import annotations

import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord_render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBEDS_TOTAL_LIMIT,
    BacklineButton,
    escape_markdown,
    render,
    split_text,
)
from bot.core.events import Attachment, Button, Outbound
from tests.fakes.discord_spec import embed_length


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def without_space(text: str) -> str:
    return "".join(text.split())


def test_a_session_is_one_embed_with_its_buttons() -> None:
    out = Outbound(
        "1. RDL: 3 x 10\n2. Row: 3 x 12",
        title="Mon 11 May · Full body",
        buttons=((Button("All done", "plan:done"), Button("Skip today", "plan:skip")),),
    )
    (message,) = render(out)
    assert message.content is None
    (embed,) = message.embeds
    assert embed.title == "Mon 11 May · Full body"
    assert embed.description == "1. RDL: 3 x 10\n2. Row: 3 x 12"
    assert "flags" not in embed.to_dict()  # not in the API's request schema
    view = message.kwargs()["view"]
    assert view.timeout is None
    assert [c["custom_id"] for row in view.to_components() for c in row["components"]] == [
        "backline:plan:done",
        "backline:plan:skip",
    ]


def test_plain_text_is_escaped_not_formatted() -> None:
    (message,) = render(Outbound("*not bold* _nor italic_ # nor a heading\n> nor a quote"))
    assert message.content == "\\*not bold\\* \\_nor italic\\_ # nor a heading\n\\> nor a quote"
    assert isinstance(message.kwargs()["allowed_mentions"], discord.AllowedMentions)


def test_a_long_title_is_cut_with_an_ellipsis() -> None:
    (message,) = render(Outbound("x", title="Deadlift " * 40))
    assert len(message.embeds[0].title) == 256
    assert message.embeds[0].title.endswith("…")


def test_wide_button_rows_wrap_and_extra_rows_follow() -> None:
    row = tuple(Button(f"B{i}", f"b:{i}") for i in range(7))
    (message,) = render(Outbound("pick one", buttons=(row,)))
    view = message.kwargs()["view"]
    assert [len(r["components"]) for r in view.to_components()] == [5, 2]

    many = tuple((Button(f"R{i}", f"r:{i}"),) for i in range(7))
    first, extra = render(Outbound("pick one", buttons=many))
    assert len(first.buttons) == 5 and len(extra.buttons) == 2
    assert extra.content


def test_images_and_documents_are_attached() -> None:
    image = Attachment("progress.png", b"\x89PNG", "image/png")
    document = Attachment("log.csv", b"date,exercise\n", "text/csv")
    (message,) = render(Outbound("Your month", title="Progress", image=image, document=document))
    assert message.embeds[0].image.url == "attachment://progress.png"
    files = message.kwargs()["files"]
    assert [f.filename for f in files] == ["progress.png", "log.csv"]


def test_nothing_to_say_renders_nothing() -> None:
    assert render(Outbound("")) == []


async def test_a_restarted_client_rebuilds_the_button_from_its_custom_id() -> None:
    template = BacklineButton.__discord_ui_compiled_template__
    match = template.match("backline:ex:done")
    assert match is not None
    item = discord.ui.Button(label="Done", custom_id="backline:ex:done")
    rebuilt = await BacklineButton.from_custom_id(None, item, match)  # type: ignore[arg-type]
    assert rebuilt.data == "ex:done"
    assert rebuilt.item.custom_id == "backline:ex:done"
    assert template.match("someone-elses:button") is None


TEXT = st.text(alphabet=st.sampled_from("abc XYZ019.,*_~|`>#-\\\n"), min_size=0, max_size=9000)


@settings(max_examples=60, deadline=None)
@given(TEXT, st.sampled_from([CONTENT_LIMIT, DESCRIPTION_LIMIT, 50]))
def test_split_text_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < len(c) <= limit for c in chunks)
    assert without_space(unescape("\n".join(chunks))) == without_space(text)


@settings(max_examples=40, deadline=None)
@given(TEXT, st.text(alphabet="abc *_", min_size=1, max_size=300))
def test_titled_messages_stay_within_embed_limits(text: str, title: str) -> None:
    messages = render(Outbound(text, title=title))
    for message in messages:
        assert len(message.embeds) <= 10
        assert sum(embed_length(e.to_dict()) for e in message.embeds) <= EMBEDS_TOTAL_LIMIT
    descriptions = [e.description or "" for m in messages for e in m.embeds]
    assert without_space(unescape("\n".join(descriptions))) == without_space(text)


PIECES = [*"ab -_*`~|>[]()#\\:/.<>\n\t\r\x0b\x1c\u00a0\u2028", "http://x.y/a_b", "- ", "8-10"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_escaping_skips_only_text_with_nothing_to_escape(text: str) -> None:
    assert escape_markdown(text) == discord.utils.escape_markdown(text, ignore_links=True)


def test_a_preface_is_plain_content_above_the_embed() -> None:
    out = Outbound(
        "2 x 10-15", title="2/4 · Rows", preface="Logged *RDL*.", buttons=((Button("Done", "d"),),)
    )
    [message] = render(out)
    assert message.content == "Logged \\*RDL\\*."
    assert message.embeds[0].title == "2/4 · Rows" and message.buttons
    [plain] = render(Outbound("Next up: rows.", preface="Logged RDL."))
    assert plain.content == "Logged RDL.\n\nNext up: rows." and not plain.embeds
