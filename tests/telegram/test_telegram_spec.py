"""The spec checker the fake server runs on every request: it must catch what Telegram refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.telegram_render import render
from bot.core.events import Outbound
from tests.fakes.telegram_spec import (
    REPO_ROOT,
    SPEC_PATH,
    BotApiSpec,
    EntityParseError,
    UploadedFile,
    html_to_plain,
)


@pytest.fixture(scope="module")
def spec() -> BotApiSpec:
    return BotApiSpec.load()


def keyboard(*rows: list[tuple[str, str]]) -> str:
    return json.dumps(
        {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in row] for row in rows]}
    )


def problems(spec: BotApiSpec, method: str, form: dict[str, str], **files: UploadedFile) -> list:
    _, found = spec.check_call(method, form, files)
    return [f"{v.where}: {v.problem}" for v in found]


def test_the_spec_and_its_licence_ship_inside_the_repository() -> None:
    assert SPEC_PATH.parent == REPO_ROOT / "tests" / "specs"
    assert SPEC_PATH.is_file()
    assert "MIT" in SPEC_PATH.with_suffix(".LICENSE").read_text(encoding="utf-8")


def test_a_correct_send_message_passes(spec: BotApiSpec) -> None:
    form = {
        "chat_id": "42",
        "text": "<b>Today</b>\n1. RDL &amp; rows",
        "parse_mode": "HTML",
        "reply_markup": keyboard([("Done", "ex:done"), ("Skip", "ex:skip")]),
        "reply_parameters": json.dumps({"message_id": 7, "allow_sending_without_reply": True}),
    }
    decoded, found = spec.check_call("sendMessage", form)
    assert found == []
    assert decoded["chat_id"] == 42
    assert decoded["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "ex:skip"


def test_unknown_methods_and_fields_and_missing_fields_are_caught(spec: BotApiSpec) -> None:
    assert problems(spec, "sendMesage", {"chat_id": "1", "text": "hi"}) == [
        ": no such method in the Bot API spec"
    ]
    assert problems(spec, "sendMessage", {"chat_id": "1"}) == [
        "text: required parameter is missing"
    ]
    assert problems(spec, "sendMessage", {"chat_id": "1", "text": "hi", "colour": "red"}) == [
        "colour: unknown parameter"
    ]


def test_text_limits_count_what_is_shown_after_html_parsing(spec: BotApiSpec) -> None:
    shown_4096 = "<b>" + "x" * 4096 + "</b>"
    assert (
        problems(spec, "sendMessage", {"chat_id": "1", "text": shown_4096, "parse_mode": "HTML"})
        == []
    )
    too_long = "x" * 4097
    assert problems(spec, "sendMessage", {"chat_id": "1", "text": too_long}) == [
        "text: 4097 characters, must be 1-4096"
    ]
    # Markup alone shows nothing, which Telegram refuses as an empty message.
    assert problems(
        spec, "sendMessage", {"chat_id": "1", "text": "<b></b>", "parse_mode": "HTML"}
    ) == ["text: 0 characters, must be 1-4096"]


def test_unescaped_or_unsupported_html_is_caught(spec: BotApiSpec) -> None:
    for bad in ("a < b", "fish & chips", "<script>x</script>", "<b>open", "<i>x</b>"):
        found = problems(spec, "sendMessage", {"chat_id": "1", "text": bad, "parse_mode": "HTML"})
        assert len(found) == 1 and "can't parse entities" in found[0], bad


def test_parse_mode_must_be_one_telegram_knows(spec: BotApiSpec) -> None:
    found = problems(spec, "sendMessage", {"chat_id": "1", "text": "hi", "parse_mode": "html"})
    assert found == ["parse_mode: 'html' is not one of ['HTML', 'Markdown', 'MarkdownV2']"]


def test_callback_data_is_limited_to_64_bytes(spec: BotApiSpec) -> None:
    ok = keyboard([("Go", "x" * 64)])
    assert problems(spec, "sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": ok}) == []
    # 22 three-byte characters are only 22 characters but 66 bytes.
    wide = keyboard([("Go", "€" * 22)])
    found = problems(spec, "sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": wide})
    assert found == ["reply_markup.inline_keyboard[0][0].callback_data: 66 bytes, must be 1-64"]


def test_a_button_must_do_exactly_one_thing(spec: BotApiSpec) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "Nothing"}]]})
    found = problems(spec, "sendMessage", {"chat_id": "1", "text": "hi", "reply_markup": markup})
    assert len(found) == 1 and "exactly one" in found[0]


def test_bot_commands_follow_the_menu_rules(spec: BotApiSpec) -> None:
    def commands(name: str, description: str) -> dict[str, str]:
        return {"commands": json.dumps([{"command": name, "description": description}])}

    assert problems(spec, "setMyCommands", commands("today", "Today's session")) == []
    assert problems(spec, "setMyCommands", commands("Today", "x")) == [
        "commands[0].command: 'Today' has characters the spec does not allow"
    ]
    assert problems(spec, "setMyCommands", commands("today", "d" * 257)) == [
        "commands[0].description: 257 characters, must be 1-256"
    ]
    scope = {"scope": json.dumps({"type": "everyone"}), **commands("today", "x")}
    assert any("scope" in p for p in problems(spec, "setMyCommands", scope))


def test_files_and_numbers_are_typed(spec: BotApiSpec) -> None:
    photo = UploadedFile("photo", "plan.png", "image/png", b"\x89PNG")
    assert problems(spec, "sendPhoto", {"chat_id": "1", "caption": "Plan"}, photo=photo) == []
    assert problems(spec, "getUpdates", {"offset": "ten"}) == [
        "offset: expected JSON for Integer, got 'ten'"
    ]
    assert problems(spec, "getUpdates", {"limit": "500"}) == ["limit: 500 is outside 1-100"]


def test_objects_are_checked_against_their_type(spec: BotApiSpec) -> None:
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    assert spec.check_object("Update", update) == [
        "Update.message.chat.type: required field is missing"
    ]


def test_html_to_plain_decodes_entities() -> None:
    assert html_to_plain("<b>A &amp; B</b> &lt;3 &#128170;") == "A & B <3 💪"
    with pytest.raises(EntityParseError):
        html_to_plain("&nbsp;")


@given(
    title=st.one_of(st.none(), st.text(max_size=80)),
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=9000),
)
def test_every_rendered_message_is_valid_for_telegram(title: str | None, text: str) -> None:
    """Whatever the core writes (user names, exercise content, <, &, emoji, huge texts), each
    part the adapter sends passes Telegram's rules."""
    spec = BotApiSpec.load()
    for part in render(Outbound(text, title=title)):
        _, found = spec.check_call(
            "sendMessage", {"chat_id": "1", "text": part.html, "parse_mode": "HTML"}
        )
        assert found == [], (part.html[:200], found)
