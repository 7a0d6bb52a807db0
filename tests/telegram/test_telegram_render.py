"""Outbound -> Telegram messages: escaping, titles, splitting, keyboards, files."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.telegram_render import MAX_CAPTION, MAX_TEXT, render, utf16_len
from bot.app import open_coach
from bot.content import default_library
from bot.core.events import Attachment, Button, InboundEvent, Outbound, UserRef
from bot.core.render import picture_credit
from tests.fakes.telegram_spec import html_to_plain

PNG = Attachment("plan.png", b"\x89PNG\r\n\x1a\n", "image/png")
CSV = Attachment("log.csv", b"date,exercise\n", "text/csv")


def test_text_and_title_are_escaped_and_the_title_is_bold() -> None:
    [part] = render(Outbound("3 < 5 & <b>not bold</b>", title="Ada's <plan>"))
    assert part.kind == "text"
    assert part.html == "<b>Ada's &lt;plan&gt;</b>\n3 &lt; 5 &amp; &lt;b&gt;not bold&lt;/b&gt;"
    assert html_to_plain(part.html) == "Ada's <plan>\n3 < 5 & <b>not bold</b>"


def test_buttons_become_an_inline_keyboard_in_rows() -> None:
    out = Outbound(
        "Pick one",
        buttons=((Button("Done", "ex:done"), Button("Skip", "ex:skip")), (Button("Later", "x"),)),
    )
    [part] = render(out)
    assert part.keyboard is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in part.keyboard.inline_keyboard]
    assert rows == [[("Done", "ex:done"), ("Skip", "ex:skip")], [("Later", "x")]]


def test_a_button_with_oversized_callback_data_is_dropped_not_the_message() -> None:
    out = Outbound("Pick", buttons=((Button("Fine", "ok"), Button("Too big", "x" * 65)),))
    [part] = render(out)
    assert part.keyboard is not None
    assert [b.text for b in part.keyboard.inline_keyboard[0]] == ["Fine"]


def test_long_text_is_split_on_line_boundaries() -> None:
    lines = [f"{i:04d} " + " ".join(["glute bridge"] * 5) for i in range(200)]
    text = "\n".join(lines)
    parts = render(Outbound(text, title="Long one", buttons=((Button("Done", "d"),),)))
    assert len(parts) > 1
    shown = [html_to_plain(p.html) for p in parts]
    assert all(utf16_len(s) <= MAX_TEXT for s in shown)
    # Every line arrives whole and in order; only the title is added.
    assert "\n".join(shown).splitlines() == ["Long one", *lines]
    assert parts[0].html.startswith("<b>Long one</b>\n")
    # The keyboard goes under the last part only.
    assert [p.keyboard is not None for p in parts] == [False] * (len(parts) - 1) + [True]


def test_a_single_huge_line_is_cut_at_spaces() -> None:
    text = "word " * 2000  # 10000 characters, no newline
    parts = render(Outbound(text))
    shown = [html_to_plain(p.html) for p in parts]
    assert len(parts) == 3
    assert all(utf16_len(s) <= MAX_TEXT for s in shown)
    assert all(s.startswith("word") and s.endswith("word") for s in shown)
    assert sum(s.count("word") for s in shown) == 2000


def test_splitting_counts_utf16_units_like_telegram() -> None:
    text = "💪" * 3000  # 3000 characters but 6000 UTF-16 units
    parts = render(Outbound(text))
    assert len(parts) == 2
    assert "".join(html_to_plain(p.html) for p in parts) == text


def test_escaping_does_not_count_against_the_limit() -> None:
    text = "&" * MAX_TEXT  # 4096 shown characters, 20480 in HTML
    [part] = render(Outbound(text))
    assert html_to_plain(part.html) == text


def test_a_photo_carries_a_short_text_as_its_caption() -> None:
    [part] = render(
        Outbound("Your week", title="Progress", image=PNG, buttons=((Button("Ok", "o"),),))
    )
    assert (part.kind, part.attachment, part.html) == ("photo", PNG, "<b>Progress</b>\nYour week")
    assert part.keyboard is not None


def test_a_long_text_goes_before_the_file() -> None:
    parts = render(Outbound("x" * 2000, document=CSV, buttons=((Button("Ok", "o"),),)))
    assert [p.kind for p in parts] == ["text", "document"]
    assert parts[1].html == "" and parts[1].attachment == CSV
    assert parts[0].keyboard is not None and parts[1].keyboard is None


def test_photo_and_document_are_both_sent() -> None:
    parts = render(Outbound("", image=PNG, document=CSV))
    assert [(p.kind, p.attachment) for p in parts] == [("photo", PNG), ("document", CSV)]


def test_blank_messages_are_not_sent() -> None:
    assert render(Outbound("  \n\n ")) == []


def test_a_long_text_with_a_picture_fills_the_caption_then_follows_as_text() -> None:
    lines = [f"{i}. " + " ".join(["step"] * 40) for i in range(1, 13)]  # ~2500 characters
    out = Outbound("\n".join(lines), title="Deadlift", image=PNG, buttons=((Button("Ok", "o"),),))
    photo, *texts = render(out)
    assert (photo.kind, photo.attachment) == ("photo", PNG)
    assert photo.html.startswith("<b>Deadlift</b>\n1. ")
    assert len(html_to_plain(photo.html)) <= MAX_CAPTION
    assert texts and all(p.kind == "text" and p.attachment is None for p in texts)
    shown = "\n".join(html_to_plain(p.html) for p in (photo, *texts))
    assert shown == "Deadlift\n" + "\n".join(lines)
    assert texts[-1].keyboard is not None and photo.keyboard is None


def test_a_preface_leads_the_bold_title_in_one_message() -> None:
    out = Outbound(
        "2 x 10-15", title="2/4 · Rows", preface="Logged <RDL>.", buttons=((Button("Done", "d"),),)
    )
    [part] = render(out)
    assert part.html == "Logged &lt;RDL&gt;.\n\n<b>2/4 · Rows</b>\n2 x 10-15"
    assert part.keyboard is not None


async def test_every_howto_with_a_drawing_is_one_telegram_message(tmp_path: Path) -> None:
    """The whole library, as content stands: /howto on Telegram never splits its drawing's
    caption into a second message (the bench's one message per /howto), and the drawing's
    credit is in every caption (CC BY-SA asks for it wherever the drawing shows)."""
    coach, store = await open_coach(tmp_path / "backline.db")
    try:
        pictured = [ex for ex in default_library().exercises.values() if ex.image]
        assert len(pictured) >= 10
        for ex in pictured:
            event = InboundEvent(
                UserRef("telegram", "7"), "7", text=f"/howto {ex.name}", caption_limit=MAX_CAPTION
            )
            [out] = (await coach.handle(event)).messages
            assert out.image is not None and out.title == ex.name, ex.id
            [part] = render(out)
            assert part.kind == "photo" and utf16_len(html_to_plain(part.html)) <= MAX_CAPTION
            assert html_to_plain(part.html).endswith(picture_credit(ex.image.credit)), ex.id
    finally:
        await store.close()
