"""Discord's process settings, parsed without discord.py (bot.platforms checks them at start):
which gateway shards this process runs, whether it runs the gateway at all, and the public key
that signs HTTP interactions.

Shards are one value, `IDS/COUNT`: "0-1/4" runs shards 0 and 1 of 4, "0,2/4" shards 0 and 2,
"3/4" shard 3. One variable rather than two, so the ids can't be checked against a count
that lives elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Where Discord posts HTTP interactions on Backline's endpoint (bot.adapters.discord_http).
INTERACTIONS_PATH = "/discord/interactions"
MAX_SHARDS = 65536  # far beyond any bot; keeps a typo from launching thousands of shards
GATEWAY_ON = ("on", "true", "yes", "1")
GATEWAY_OFF = ("off", "false", "no", "0")
_PUBLIC_KEY = re.compile(r"[0-9a-fA-F]{64}")
_ID_PART = re.compile(r"(\d+)(?:-(\d+))?")


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards this process runs, out of `count` for the whole bot."""

    ids: tuple[int, ...]
    count: int

    @property
    def has_dms(self) -> bool:
        """Discord delivers every DM event to shard 0."""
        return 0 in self.ids


class BadShards(ValueError):
    """The text names no usable set of shards; the message says why (after the variable)."""


def parse_shards(text: str) -> Shards:
    ids_text, slash, count_text = text.replace(" ", "").partition("/")
    if not slash or not count_text.isdigit():
        raise BadShards("must be shard ids and the total count, such as 0-1/4 or 0,2/4")
    count = int(count_text)
    if not 1 <= count <= MAX_SHARDS:
        raise BadShards(f"has a shard count that is not from 1 to {MAX_SHARDS}")
    ids: list[int] = []
    for part in ids_text.split(","):
        found = _ID_PART.fullmatch(part)
        if found is None:
            raise BadShards("must list shard ids as numbers or ranges, such as 0-1/4 or 0,2/4")
        first = int(found[1])
        last = int(found[2]) if found[2] is not None else first
        if last < first:
            raise BadShards(f"has the range {part} backwards")
        ids.extend(range(first, last + 1))
    if max(ids) >= count:
        raise BadShards(f"names shard {max(ids)}, but shards are numbered 0 to {count - 1}")
    if len(set(ids)) != len(ids):
        raise BadShards("names a shard twice")
    return Shards(tuple(sorted(ids)), count)


def shards_problem(text: str) -> str | None:
    try:
        parse_shards(text)
    except BadShards as exc:
        return str(exc)
    return None


def gateway_on(text: str | None) -> bool:
    """BACKLINE_DISCORD_GATEWAY: on unless it says off (checked by `gateway_problem`)."""
    return text is None or text.strip().lower() not in GATEWAY_OFF


def gateway_problem(text: str) -> str | None:
    if text.strip().lower() in GATEWAY_ON + GATEWAY_OFF:
        return None
    return "must be on or off"


def public_key_problem(text: str) -> str | None:
    if _PUBLIC_KEY.fullmatch(text):
        return None
    return "does not look like a Discord public key (64 hexadecimal characters)"
