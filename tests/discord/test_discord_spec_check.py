"""The OpenAPI checker that guards every request must itself catch what Discord would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.discord_spec import DiscordSpec

MESSAGES = "/api/v10/channels/1234567890/messages"
CALLBACK = "/api/v10/interactions/1234567890/tok-en/callback"


def embed(description: str, title: str = "T") -> dict[str, Any]:
    return {"title": title, "description": description, "type": "rich"}


def button(custom_id: str, label: str = "Done") -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id}


def test_a_well_formed_message_passes(discord_spec: DiscordSpec) -> None:
    body = {
        "content": "Logged RDL",
        "embeds": [embed("12, 10, 10 reps")],
        "components": [{"type": 1, "components": [button("backline:ex:done")]}],
        "allowed_mentions": {"parse": []},
        "message_reference": {"message_id": 1234567890, "fail_if_not_exists": False},
    }
    assert discord_spec.check_request("POST", MESSAGES, {}, body) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"content": "x" * 2001}, "bots may send 2000"),
        ({"embeds": [embed("x" * 3500), embed("y" * 3500)]}, "at most 6000"),
        ({"embeds": [embed("x" * 4097)]}, "at most 4096 allowed"),
        ({"embeds": [embed("x", title="t" * 257)]}, "at most 256 allowed"),
        ({"embeds": [{"title": "T", "colour": 3}]}, "unknown field 'colour'"),
        ({"contents": "typo"}, "unknown field 'contents'"),
        ({"embeds": [embed("x")] * 11}, "at most 10 allowed"),
        ({"components": [{"type": 1, "components": [button("c" * 101)]}]}, "at most 100"),
        ({"components": [{"type": 1, "components": [button("a")] * 6}]}, "at most 5 allowed"),
        ({"components": [{"type": 1, "components": [button("")]}]}, "needs a custom_id"),
        ({"message_reference": {"channel_id": "1"}}, "missing required field 'message_id'"),
        ({"message_reference": {"message_id": "abc"}}, "does not match"),
        ({"tts": "yes"}, "expected boolean/null"),
    ],
)
def test_what_discord_would_refuse_is_caught(
    discord_spec: DiscordSpec, body: dict[str, Any], problem: str
) -> None:
    errors = discord_spec.check_request("POST", MESSAGES, {}, body)
    assert any(problem in e for e in errors), errors


def test_routes_methods_and_parameters_are_checked(discord_spec: DiscordSpec) -> None:
    assert discord_spec.check_request("GET", "/api/v10/users/@me", {}) == []
    assert "no such route" in discord_spec.check_request("GET", "/api/v10/chanels/1", {})[0]
    assert "no such route" in discord_spec.check_request("DELETE", "/api/v10/users/@me", {})[0]
    (bad_id,) = discord_spec.check_request("POST", "/api/v10/channels/None/messages", {}, {})
    assert "path {channel_id}" in bad_id
    assert discord_spec.check_request("GET", "/api/v10/users/@me", {}, {"a": 1}) == [
        "GET /api/v10/users/@me: this route takes no body"
    ]


def test_interaction_callbacks_are_checked_per_response_type(discord_spec: DiscordSpec) -> None:
    ok = {"type": 4, "data": {"content": "hi", "flags": 64}}
    assert discord_spec.check_request("POST", CALLBACK, {"with_response": "1"}, ok) == []
    choices = {"type": 8, "data": {"choices": [{"name": "RDL", "value": "rdl"}] * 26}}
    assert any("at most 25" in e for e in discord_spec.check_request("POST", CALLBACK, {}, choices))
    bad_type = {"type": 42}
    assert discord_spec.check_request("POST", CALLBACK, {}, bad_type)
    long_content = {"type": 4, "data": {"content": "x" * 2001}}
    assert discord_spec.check_request("POST", CALLBACK, {}, long_content)
    errors = discord_spec.check_request("POST", CALLBACK, {"with_reponse": "1"}, ok)
    assert errors == [f"POST {CALLBACK}: unknown query parameter 'with_reponse'"]


@pytest.mark.parametrize(
    ("field", "expected"),
    [("files[0]", []), ("file", [f"POST {MESSAGES}: unknown multipart field 'file'"])],
)
def test_uploads_are_checked(discord_spec: DiscordSpec, field: str, expected: list[str]) -> None:
    errors = discord_spec.check_request(
        "POST", MESSAGES, {}, {"content": "csv"}, content_type="multipart/form-data", files=(field,)
    )
    assert errors == expected


def test_the_fakes_answers_are_checked_too(discord_spec: DiscordSpec) -> None:
    me = {"id": "1", "username": "backline", "discriminator": "0", "avatar": None}
    errors = discord_spec.check_response("GET", "/api/v10/users/@me", 200, me)
    assert any("missing required field 'global_name'" in e for e in errors)
    assert discord_spec.check_response("GET", "/api/v10/users/@me", 302, {}) == [
        "GET /api/v10/users/@me: the API never answers 302"
    ]
    error = {"message": "Unknown Channel"}
    assert discord_spec.check_response("GET", "/api/v10/channels/1", 404, error) == [
        "GET /api/v10/channels/1 -> 404: $: missing required field 'code'"
    ]
