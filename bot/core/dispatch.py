"""How feature modules declare what they handle, and the dispatcher that collects it.

A feature is a class (like a discord.py cog or an errbot plugin) whose handlers carry their own
declarations: `@command(...)` for a slash command, `@on_button(SomeButton)` for a kind of button,
`@on_state(SomeState)` for a conversation state, `@on_link("exercise")` for replies to a kind of
bot message. `Dispatcher` reads those declarations off the feature classes; the public command
list (bot.core.commands.COMMANDS), the help text and routing all come from it, so they can't drift.

Button data and conversation states are typed dataclasses with one codec: a button is
`kind:field:field` (the last field takes the rest, so an answer may hold ":"), a state is the
dict `{"kind": ..., field: value}` the store keeps. Decoding never raises: forged or stale data
decodes to None and the caller answers kindly.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal, Self

from bot.core.events import InboundEvent, LinkKind, MessageLink, Outbound, Reply
from bot.core.ports import User

# ---------------------------------------------------------------- the context


@dataclass(frozen=True, slots=True)
class Ctx:
    """Everything one event's handling needs, resolved once."""

    event: InboundEvent
    user: User
    today: date  # in the person's time zone

    @property
    def units(self) -> str:
        return self.user.settings.units

    @property
    def in_group(self) -> bool:
        return self.event.is_group

    @property
    def private_here(self) -> bool:
        """Log confirmations are public in a group (members log in the open there) unless the
        platform can show them to the author alone."""
        return not self.event.is_group or self.event.private_reply

    @property
    def source(self) -> str | None:
        """`platform:chat:message` of the person's message, so an edit finds what it logged."""
        e = self.event
        return f"{e.user.platform}:{e.chat_id}:{e.message_id}" if e.message_id else None

    def may_answer(self, link: MessageLink) -> bool:
        """A message about someone's own plan answers only them; group messages answer all."""
        return link.owner is None or link.owner == self.event.user

    @property
    def speaker(self) -> str:
        """Who a group confirmation names ("" in a private chat)."""
        return self.event.display_name if self.event.is_group else ""


# ---------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class CommandArg:
    name: str
    description: str
    required: bool = False
    # Where a platform can complete what is typed (Coach.complete): "exercise" (the library),
    # "timezone" (IANA names and cities), "split" (the programs' week splits).
    autocomplete: str | None = None
    # The only values it takes, as (label, value) pairs: a platform may offer them as a list.
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash, lowercase, <= 32 chars
    description: str  # <= 100 chars (Discord's limit; Telegram allows 256)
    args: tuple[CommandArg, ...] = ()
    admin_only: bool = False  # the adapter must check group/server admin rights (is_admin)
    aliases: tuple[str, ...] = ()  # other names that run it ("/setup")
    bare: bool = False  # also understood typed without the slash in a private chat ("today")
    # Options given separately (Discord's) arrive as "name value" lines after the command
    # ("/settings level advanced\nunits lb"), as a person would type one of them.
    keyed: bool = False
    # Useful in group chats too: offered in the groups' command menu (Telegram's scopes).
    groups: bool = False


# ---------------------------------------------------------------- typed data


def _field_types(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _decode_value(raw: Any, kind: Any) -> Any:
    """`raw` read as `kind` (a non-empty str, int, date, a Literal of strings, or X | None);
    raises ValueError when it doesn't fit."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if raw in (None, "") else _decode_value(raw, options[0])
    if typing.get_origin(kind) is Literal:
        if raw not in typing.get_args(kind):
            raise ValueError(raw)
        return raw
    if kind is int:
        if isinstance(raw, bool) or not (isinstance(raw, int) or str(raw).isdigit()):
            raise ValueError(raw)
        return int(raw)
    if kind is date:
        return date.fromisoformat(str(raw))
    if kind is str:
        if not isinstance(raw, str) or not raw:
            raise ValueError(raw)
        return raw
    raise TypeError(f"unsupported field type {kind!r}")


def _encode_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class ButtonData:
    """Callback data of one kind of button. Subclasses are frozen dataclasses with a `kind`."""

    kind: ClassVar[str]

    def encode(self) -> str:
        values = [str(_encode_value(getattr(self, name))) for name, _ in _field_types(type(self))]
        return ":".join([self.kind, *values])

    @classmethod
    def decode(cls, value: str) -> Self | None:
        """The button this data describes (without the `kind:` prefix), or None if forged."""
        shape = _field_types(cls)
        parts = value.split(":", len(shape) - 1) if shape else ([] if not value else [value])
        if len(parts) != len(shape):
            return None
        try:
            return cls(**{n: _decode_value(p, t) for (n, t), p in zip(shape, parts, strict=True)})
        except (ValueError, TypeError):
            return None


class State:
    """One kind of pending conversation (a question waiting for its answer).
    Subclasses are frozen dataclasses with a `kind`; stored as a plain dict."""

    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        data = {n: _encode_value(getattr(self, n)) for n, _ in _field_types(type(self))}
        return {"kind": self.kind, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self | None:
        values: dict[str, Any] = {}
        try:
            for f in dataclasses.fields(cls):  # type: ignore[arg-type]
                if f.name in data:
                    values[f.name] = _decode_value(data[f.name], typing.get_type_hints(cls)[f.name])
            return cls(**values)
        except (ValueError, TypeError):
            return None


# ---------------------------------------------------------------- declarations

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Declared:
    command: Command | None = None
    button: type[ButtonData] | None = None
    state: type[State] | None = None
    links: tuple[LinkKind, ...] = ()


def _declare(decl: _Declared) -> Callable[[Handler], Handler]:
    def mark(fn: Handler) -> Handler:
        fn.__backline__ = decl  # type: ignore[attr-defined]
        return fn

    return mark


def command(
    name: str,
    description: str,
    *args: CommandArg,
    admin_only: bool = False,
    aliases: tuple[str, ...] = (),
    bare: bool = False,
    keyed: bool = False,
    groups: bool = False,
) -> Callable[[Handler], Handler]:
    """`async def handler(self, ctx, rest) -> Reply` answers `/name rest`."""
    declared = Command(name, description, args, admin_only, aliases, bare, keyed, groups)
    return _declare(_Declared(command=declared))


def on_button(kind: type[ButtonData]) -> Callable[[Handler], Handler]:
    """`async def handler(self, ctx, data: kind) -> Reply` answers a press of that button."""
    return _declare(_Declared(button=kind))


def on_state(kind: type[State]) -> Callable[[Handler], Handler]:
    """`async def handler(self, ctx, state: kind, text) -> Reply` answers typed text while
    that conversation is pending."""
    return _declare(_Declared(state=kind))


def on_link(*kinds: LinkKind) -> Callable[[Handler], Handler]:
    """`async def handler(self, ctx, link, text) -> Reply | None` answers a reply to a bot
    message of those kinds; None lets the pending conversation (if any) answer instead."""
    return _declare(_Declared(links=kinds))


def declarations(cls: type) -> Iterable[tuple[str, _Declared]]:
    """(attribute name, declaration) of a feature class, in the order they are written."""
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            decl = getattr(value, "__backline__", None)
            if isinstance(decl, _Declared):
                yield name, decl


def declared_commands(feature_classes: Sequence[type]) -> tuple[Command, ...]:
    return tuple(
        decl.command
        for cls in feature_classes
        for _, decl in declarations(cls)
        if decl.command is not None
    )


# ---------------------------------------------------------------- the dispatcher

CommandHandler = Callable[[Ctx, str], Awaitable[Reply]]
ButtonHandler = Callable[[Ctx, Any], Awaitable[Reply]]
StateHandler = Callable[[Ctx, Any, str], Awaitable[Reply]]
LinkHandler = Callable[[Ctx, MessageLink, str], Awaitable[Reply | None]]


class Dispatcher:
    """Routes commands, buttons, states and message links to the features that declared them."""

    def __init__(self, features: Sequence[object]) -> None:
        self.commands: list[Command] = []
        self._commands: dict[str, tuple[Command, CommandHandler]] = {}
        self._buttons: dict[str, tuple[type[ButtonData], ButtonHandler]] = {}
        self._states: dict[str, tuple[type[State], StateHandler]] = {}
        self._links: dict[str, LinkHandler] = {}
        for feature in features:
            for name, decl in declarations(type(feature)):
                handler = getattr(feature, name)
                if decl.command is not None:
                    self.commands.append(decl.command)
                    for word in (decl.command.name, *decl.command.aliases):
                        self._add(self._commands, word, (decl.command, handler))
                if decl.button is not None:
                    self._add(self._buttons, decl.button.kind, (decl.button, handler))
                if decl.state is not None:
                    self._add(self._states, decl.state.kind, (decl.state, handler))
                for kind in decl.links:
                    self._add(self._links, kind, handler)

    @staticmethod
    def _add(table: dict[str, Any], key: str, value: Any) -> None:
        if key in table:
            raise ValueError(f"{key!r} is declared twice")
        table[key] = value

    def command(self, name: str) -> tuple[Command, CommandHandler] | None:
        return self._commands.get(name)

    def bare_command(self, word: str) -> str | None:
        """The command a bare word runs ("today" -> "/today"), if it is one."""
        found = self._commands.get(word)
        bare = found is not None and found[0].bare and found[0].name == word  # not aliases
        return "/" + word if bare else None

    def button(self, data: str) -> tuple[ButtonData, ButtonHandler] | None:
        """The decoded button and its handler; None for forged or stale data."""
        kind, _, value = data.partition(":")
        found = self._buttons.get(kind)
        if found is None:
            return None
        decoded = found[0].decode(value)
        return None if decoded is None else (decoded, found[1])

    def state(self, raw: dict[str, Any] | None) -> tuple[State, StateHandler] | None:
        """The decoded conversation state and its handler; None for none, old or broken data."""
        if not raw:
            return None
        found = self._states.get(str(raw.get("kind")))
        if found is None:
            return None
        decoded = found[0].from_dict(raw)
        return None if decoded is None else (decoded, found[1])

    def link(self, kind: str) -> LinkHandler | None:
        return self._links.get(kind)


def say(text: str, title: str | None = None, private: bool = False) -> Reply:
    """A reply of one plain message."""
    return Reply([Outbound(text, title=title, private=private)])


def refuse(text: str, title: str | None = None) -> Reply:
    """A refusal or an error message: for the asker alone where the platform can show it so
    (`Outbound.only_asker`)."""
    return Reply([Outbound(text, title=title, only_asker=True)])
