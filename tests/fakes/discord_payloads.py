"""Discord API v10 objects as the gateway and the HTTP API deliver them, for the fake server.

Field sets follow the API documentation (and, for HTTP answers, the OpenAPI spec, which the
fake checks its own answers against), so the real discord.py parses them as it would in
production.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_GUILD = 1 << 5
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
)
MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 1 << 6
LOADING = 1 << 7  # a deferred response's "thinking…" message

_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh, increasing id shaped like Discord's (timestamp << 22 | counter)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(name: str, *, bot: bool = False, user_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user_id or snowflake(),
        "username": name.lower(),
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }
    if bot:
        data["bot"] = True
    return data


def me(bot_user: dict[str, Any]) -> dict[str, Any]:
    """GET /users/@me for a bot account."""
    return {**bot_user, "flags": 0, "mfa_enabled": False, "locale": "en-US", "bot": True}


def application(
    app_id: str, owner: dict[str, Any], bot_user: dict[str, Any], public_key: str = "0" * 64
) -> dict[str, Any]:
    return {
        "id": app_id,
        "name": bot_user["global_name"],
        "icon": None,
        "description": "",
        "type": None,
        "bot": bot_user,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": public_key,
        "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED
        "flags_new": str(1 << 19),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": owner,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": [],
    }


def text_channel(guild_id: str, name: str, position: int = 0) -> dict[str, Any]:
    return {
        "id": snowflake(),
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def dm_channel(recipient: dict[str, Any], channel_id: str | None = None) -> dict[str, Any]:
    return {
        "id": channel_id or snowflake(),
        "type": 1,
        "flags": 0,
        "recipients": [recipient],
        "last_message_id": None,
    }


def member(who: dict[str, Any], *, with_user: bool = True, permissions: int | None = None):
    data: dict[str, Any] = {
        "roles": [],
        "joined_at": now_iso(),
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = who
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def guild_create(
    guild_id: str,
    name: str,
    owner_id: str,
    channels: list[dict[str, Any]],
    bot_user: dict[str, Any],
) -> dict[str, Any]:
    """GUILD_CREATE as sent after READY (no members intent: only the bot's own member)."""
    return {
        "id": guild_id,
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "application_id": None,
        "features": [],
        "roles": [
            {
                "id": guild_id,  # @everyone shares the guild's id
                "name": "@everyone",
                "permissions": str(MEMBER_PERMISSIONS),
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
        ],
        "emojis": [],
        "stickers": [],
        "channels": channels,
        "threads": [],
        "members": [member(bot_user)],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "member_count": 3,
        "large": False,
        "unavailable": False,
        "joined_at": now_iso(),
        "max_members": 500000,
    }


def message(
    *,
    channel_id: str,
    author: dict[str, Any],
    content: str,
    guild_id: str | None = None,
    reference: dict[str, Any] | None = None,
    referenced: dict[str, Any] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    message_id: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0,
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if reference is not None:
        data["message_reference"] = reference
        if reference.get("type", 0) == 0:
            data["type"] = 19  # REPLY
            if referenced is not None:  # absent: Discord did not resolve it (null: deleted)
                data["referenced_message"] = shallow(referenced)
    return data


def attachment(filename: str, base_url: str = "http://127.0.0.1") -> dict[str, Any]:
    url = f"{base_url}/attachments/{filename}"
    return {"id": snowflake(), "filename": filename, "size": 1, "url": url, "proxy_url": url}


def as_http(msg: dict[str, Any]) -> dict[str, Any]:
    """A message as the HTTP API returns it: gateway-only fields (guild_id, member) dropped."""
    out = {k: v for k, v in msg.items() if k not in ("guild_id", "member")}
    if isinstance(out.get("referenced_message"), dict):
        out["referenced_message"] = as_http(out["referenced_message"])
    return out


def shallow(msg: dict[str, Any] | None) -> dict[str, Any] | None:
    """A message as nested in another's referenced_message: Discord nests one level only."""
    if msg is None:
        return None
    return {k: v for k, v in msg.items() if k not in ("referenced_message", "reactions")}


def reply_reference(target: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
    ref = {"type": 0, "message_id": target["id"], "channel_id": target["channel_id"]}
    if guild_id is not None:
        ref["guild_id"] = guild_id
    return ref


def interaction(
    kind: int,
    data: dict[str, Any],
    *,
    app_id: str,
    who: dict[str, Any],
    channel: dict[str, Any],
    guild_id: str | None,
    permissions: int = MEMBER_PERMISSIONS,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload (2 command, 3 component, 4 autocomplete)."""
    payload: dict[str, Any] = {
        "id": snowflake(),
        "application_id": app_id,
        "type": kind,
        "data": data,
        "token": "itok-" + snowflake(),
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "app_permissions": str(MEMBER_PERMISSIONS),
        "locale": "en-GB",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if guild_id is not None:
        payload["guild_id"] = guild_id
        payload["guild"] = {"id": guild_id, "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = member(who, permissions=permissions)
        payload["authorizing_integration_owners"] = {"0": guild_id}
        payload["context"] = 0
    else:
        payload["user"] = who
        payload["authorizing_integration_owners"] = {"0": who["id"]}
        payload["context"] = 1
    if message is not None:
        payload["message"] = message
    return payload


def to_message_components(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Request components as a message carries them back (Discord numbers every component)."""
    out: list[dict[str, Any]] = []
    ids = itertools.count(1)
    for row in rows or []:
        items = []
        for comp in row.get("components", []):
            item = {k: v for k, v in comp.items() if v is not None}
            item["id"] = next(ids)
            items.append(item)
        out.append({"type": 1, "id": next(ids), "components": items})
    return out


def visible_text(msg: dict[str, Any]) -> str:
    """What a person reads: content plus embed titles and descriptions."""
    parts = [msg.get("content") or ""]
    for embed in msg.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(p for p in parts if p)


def custom_ids(msg: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in msg.get("components") or [] for c in row["components"]]
