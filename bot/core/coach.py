"""The coach: one inbound event in, the replies out.

`Coach` is the facade adapters and the scheduler call. It resolves who is speaking, routes the
event to the feature that declared it (bot.core.features, through bot.core.dispatch) and keeps
personal answers out of groups. It reads and writes through the `Store` protocol and never
touches a platform.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from bot.core import render, timezones
from bot.core.codec import reply_from_json, reply_to_json
from bot.core.commands import COMMANDS
from bot.core.dispatch import Ctx, Dispatcher, refuse, say
from bot.core.events import Applied, Button, InboundEvent, MessageLink, Outbound, Reply, UserRef
from bot.core.features import FEATURE_CLASSES, Logging, Progress, Rest, Session
from bot.core.features.base import Feature, Services
from bot.core.library import Library
from bot.core.lookup import ExerciseLookup
from bot.core.ports import NEW, Arrival, Channel, InboxEntry, Store, StoreUnavailable
from bot.core.progress import ChartRenderer
from bot.core.settings import Settings

log = logging.getLogger(__name__)

SORRY = render.SORRY  # what a person sees when handling fails
DEEP_LINK_COMMAND = "start"  # the command a private-chat deep link arrives as


def utcnow() -> datetime:
    return datetime.now(UTC)


F = TypeVar("F", bound=Feature)


def _get(features: dict[type[Feature], Feature], cls: type[F]) -> F:
    feature = features[cls]
    assert isinstance(feature, cls)
    return feature


class Coach:
    def __init__(
        self,
        store: Store,
        library: Library,
        clock: Callable[[], datetime] | None = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.lookup = ExerciseLookup(library)
        self.clock = clock or utcnow
        self.charts = charts  # None: /progress answers without its chart
        self.services = Services(store, library, self.lookup, self.clock, charts, COMMANDS)
        features = {cls: cls(self.services) for cls in FEATURE_CLASSES}
        # The facade's push and fallback paths call these three directly.
        self.session = _get(features, Session)
        self.logging = _get(features, Logging)
        self.progress = _get(features, Progress)
        self.rest = _get(features, Rest)
        # Notified when a rest timer's ping is queued (the app connects the push service).
        self.timer_queued = self.services.timer_queued
        self.dispatch = Dispatcher(list(features.values()))

    # ------------------------------------------------------------------ public API

    async def handle(self, event: InboundEvent) -> Reply:
        """Answer one event. Never raises: a failure becomes a friendly apology."""
        try:
            return await self._answer(event)
        except StoreUnavailable as exc:
            log.warning("could not save for %s: %s", event.user.platform, exc.reason)
            return Reply([Outbound(render.CANT_SAVE)], button_ack=render.ACK_NOT_SAVED)
        except Exception:
            log.exception("failed to handle an event from %s", event.user.platform)
            return _sorry()

    # -- the inbox: updates processed at least once, applied exactly once

    async def receive(self, arrivals: Sequence[Arrival]) -> list[InboxEntry]:
        """Store updates as they arrive, before the platform may forget them (an adapter
        confirms them only after this returns); the ones not seen before come back."""
        return await self.store.inbox.take(arrivals)

    async def unfinished(self, platform: str) -> list[InboxEntry]:
        """Entries a crash left unapplied or unanswered: handle_once each, in order."""
        return await self.store.inbox.unfinished(platform)

    async def handle_once(self, entry: InboxEntry, event: InboundEvent) -> Applied:
        """`handle` for an inbox entry (`event` is what the adapter read from it): the
        event's effects and its answer are stored in one transaction, so a crash leaves all
        or none of them, and an entry applied before gives back its stored answer instead
        of running again. A failure rolls the effects back and stores the apology."""
        try:
            applied = await self.store.inbox.apply(entry.id, lambda: self._answer_json(event))
        except StoreUnavailable:
            raise  # nothing can be stored now, the apology neither: the adapter decides
        except Exception:
            log.exception("failed to handle an event from %s", event.user.platform)
            applied = await self.store.inbox.apply(entry.id, _sorry_json)
        if applied is None or applied.answer is None:  # unknown, or already answered
            return Applied(Reply(), sent=0, fresh=False)
        # Applied now (not before a restart): a pressed button is still unacknowledged.
        fresh = entry.state == NEW
        return Applied(reply_from_json(applied.answer), applied.sent, fresh)

    async def answered(self, entry: InboxEntry, sent: int, done: bool) -> bool:
        """`sent` messages of the entry's answer are delivered; `done`: nothing is left.
        False: another process holds the entry now (send no more of it)."""
        return await self.store.inbox.answered(entry.id, sent, done)

    async def record_sent(
        self, platform: str, chat_id: str, message_id: str, out: Outbound
    ) -> None:
        if out.link is not None:
            await self.store.link_message(platform, chat_id, message_id, None, out.link)

    async def mark_unreachable(self, ref: UserRef) -> None:
        user = await self.store.find_user(ref)
        if user is not None:
            await self.store.set_active(user.id, False)

    async def mark_reachable(self, ref: UserRef) -> None:
        """The platform says they can be reached again (e.g. unblocked the bot)."""
        user = await self.store.find_user(ref)
        if user is not None:
            await self.store.set_active(user.id, True)

    async def next_message_id(self, platform: str) -> str:
        """For adapters without their own message ids (the console)."""
        return str(await self.store.next_seq(f"message:{platform}"))

    async def daily_session(self, user_id: int, day: date) -> list[Outbound]:
        return await self.session.daily_session(user_id, day)

    async def nudge(self, user_id: int, day: date) -> list[Outbound]:
        return await self.session.nudge(user_id, day)

    async def group_session(self, channel: Channel, day: date) -> list[Outbound]:
        return await self.session.group_session(channel, day)

    async def weekly_summary(self, user_id: int, week_end: date) -> list[Outbound]:
        """The week ending on `week_end`: sessions, sets per group, records, next week."""
        return await self.progress.weekly_summary(user_id, week_end)

    async def rest_over(self, user_id: int, timer_id: int) -> list[Outbound]:
        """The ping of a rest timer that is due (the scheduler's outbox delivers it)."""
        return await self.rest.rest_over(user_id, timer_id)

    def exercise_choices(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        return [(e.name, e.id) for e in self.lookup.complete(prefix, limit)]

    def complete(self, kind: str, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, value) suggestions for a command option declared with
        `CommandArg.autocomplete == kind`, best first; [] for a kind it doesn't know."""
        if kind == "exercise":
            return self.exercise_choices(prefix, limit)
        if kind == "timezone":
            return [(zone.replace("_", " "), zone) for zone in timezones.suggest(prefix, limit)]
        if kind == "split":
            typed = prefix.strip().lower()
            splits = self.library.splits.items()
            return [(sp.name, key) for key, sp in splits if typed in sp.name.lower() or
                    key.startswith(typed)][:limit]  # fmt: skip
        return []

    def local_date(self, settings: Settings) -> date:
        return self.services.local_date(settings)

    # ------------------------------------------------------------------ routing

    async def _answer(self, event: InboundEvent) -> Reply:
        reply = await self._handle(event)
        if event.is_group:
            reply.messages = await self._keep_private(event, reply.messages)
        return reply

    async def _answer_json(self, event: InboundEvent) -> dict[str, Any]:
        return reply_to_json(await self._answer(event))

    async def _handle(self, event: InboundEvent) -> Reply:
        chat = "" if event.is_group else event.chat_id
        user = await self.store.start_event(
            event.user, chat, event.display_name, event.event_id or ""
        )
        if user is None:
            return Reply()  # a duplicate delivery: it was answered the first time
        ctx = Ctx(event, user, self.local_date(user.settings))

        if event.content_missing:
            return say(render.CONTENT_MISSING)
        if event.edited:
            return await self.logging.edited(ctx)
        if event.button:
            return await self._button(ctx, event.button)

        text = event.text.strip()
        if text.startswith("/"):
            return await self._command(ctx, text)
        if event.reply_to:
            stored = await self.store.resolve_message(
                event.user.platform, event.chat_id, event.reply_to
            )
            if stored is not None:
                return await self._reply_to_link(ctx, stored.link, text)
            if event.is_group:
                return Reply()  # a reply to someone else's message in a group
            return say(render.UNKNOWN_MESSAGE)
        if event.is_group:
            return Reply()  # in groups Backline only answers commands and replies to it

        bare = self.dispatch.bare_command(text.lower().strip("!. "))
        if bare is not None:
            return await self._command(ctx, bare)
        return await self._pending(ctx, text)

    async def _command(self, ctx: Ctx, text: str) -> Reply:
        head, _, rest = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # "/today@BacklineBot" in Telegram groups
        found = self.dispatch.command(name)
        if found is None:
            return refuse(render.unknown_command(name), title=render.NOT_A_COMMAND_TITLE)
        declared, handler = found
        if declared.admin_only and not ctx.event.is_group:
            return refuse(render.group_only(declared.name))
        if declared.name == DEEP_LINK_COMMAND and rest.strip():
            continued = await self._deep_link(ctx, rest.strip())
            if continued is not None:
                return continued
        return await handler(ctx, rest.strip())

    async def _deep_link(self, ctx: Ctx, payload: str) -> Reply | None:
        """ "/start progress": someone came from a group's "open a private chat" button
        (`Button.private_start`); answer what they asked for there. None: start as usual."""
        found = self.dispatch.command(payload.lower())
        if found is None or found[0].admin_only or found[0].name == DEEP_LINK_COMMAND:
            return None
        reply = await found[1](ctx, "")
        if not ctx.user.settings.onboarded:
            reply.messages.append(Outbound(render.SET_UP_ANY_TIME))
        return reply

    async def _button(self, ctx: Ctx, data: str) -> Reply:
        found = self.dispatch.button(data)
        if found is None:  # forged, or from a version that no longer exists
            reply = refuse(render.STALE_BUTTON)
            reply.button_ack = render.ACK_STALE
            return reply
        button, handler = found
        return await handler(ctx, button)

    async def _reply_to_link(self, ctx: Ctx, link: MessageLink, text: str) -> Reply:
        if not ctx.may_answer(link):
            return refuse(render.NOT_YOURS)
        handler = self.dispatch.link(link.kind)
        reply = await handler(ctx, link, text) if handler else None
        if reply is not None:
            return reply
        raw = await self.store.get_state(ctx.user.id)
        if raw:
            return await self._answer_state(ctx, raw, text)
        return say(render.HELP_SHORT)

    async def _pending(self, ctx: Ctx, text: str) -> Reply:
        """Plain text in a private chat: the pending question's answer, else a log or help."""
        raw = await self.store.get_state(ctx.user.id)
        if raw:
            return await self._answer_state(ctx, raw, text)
        return await self.logging.free_text(ctx, text)

    async def _answer_state(self, ctx: Ctx, raw: dict[str, Any], text: str) -> Reply:
        found = self.dispatch.state(dict(raw))
        if found is None:  # a state this version doesn't know (or can't read): drop it
            await self.store.set_state(ctx.user.id, None)
            return await self.logging.free_text(ctx, text)
        state, handler = found
        return await handler(ctx, state, text)

    # ------------------------------------------------------------------ privacy

    async def _keep_private(self, event: InboundEvent, messages: list[Outbound]) -> list[Outbound]:
        """Personal answers asked for in a group go to the person's private chat instead,
        unless the platform can show them to the author alone. Files always go to the DM:
        an export should last longer than a dismissable message."""

        def to_dm(m: Outbound) -> bool:
            return (
                m.private
                and m.chat_id is None
                and (not event.private_reply or m.document is not None)
            )

        if not any(to_dm(m) for m in messages):
            return messages
        user = await self.store.find_user(event.user)
        dm = user.chat_id if user else ""
        kept: list[Outbound] = []
        for m in messages:
            if not to_dm(m):
                kept.append(m)
            elif dm:
                kept.append(replace(m, chat_id=dm))
            else:
                # Where the platform can, a button opens the private chat and answers there.
                opener = Button(render.OPEN_PRIVATE_CHAT, "", private_start=_asked(event))
                kept.append(Outbound(render.OPEN_A_PRIVATE_CHAT, buttons=((opener,),)))
                break
        if dm:
            # Private too: where the platform can, only the asker sees where it went.
            kept.append(Outbound(render.SENT_TO_PRIVATE_CHAT, private=True))
        return kept


def _asked(event: InboundEvent) -> str:
    """The command asked for in a group ("/progress@Bot" -> "progress"), as a deep link's
    payload; "start" when it was not a command."""
    head = event.text.strip().split(maxsplit=1)[0] if event.text.strip() else ""
    name = head[1:].split("@", 1)[0].lower() if head.startswith("/") else ""
    return name if name and name.isascii() and name.replace("_", "").isalnum() else "start"


def _sorry() -> Reply:
    return Reply([Outbound(SORRY, only_asker=True)], button_ack=render.ACK_FAILED)


async def _sorry_json() -> dict[str, Any]:
    return reply_to_json(_sorry())
