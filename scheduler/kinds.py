"""Which pushes exist and when each is due, from a person's (or channel's) current settings.

Pure: settings + a UTC window in, outbox rows out. Kinds:
- daily:  the day's session at the reminder time on training days;
- nudge:  `nudge_after` later on the same days (the coach sends nothing if they logged);
- weekly: the weekly summary at `weekly_at` on `weekly_weekday` (when the coach offers it);
- group:  a community channel's group session at the channel's time on its days;
- rest:   a rest timer's ping, queued by the coach when someone starts one (not by a rule).
People get pushes once onboarded (they chose days and a time), unless paused or inactive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.ports import (
    MISSED,
    PENDING,
    REST_KIND,
    Channel,
    NewPush,
    User,
    channel_target,
    user_target,
)
from bot.core.settings import Settings
from scheduler.config import PushConfig
from scheduler.timing import fire_at, fire_dates, zone

DAILY, NUDGE, WEEKLY, GROUP = "daily", "nudge", "weekly", "group"
REST = REST_KIND
# A rest ping later than this is noise (the next set has long started): dropped as missed.
REST_GRACE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Rule:
    """When one kind of push fires for one settings: wall time, weekdays, delay after it."""

    at: time
    weekdays: tuple[int, ...]
    shift: timedelta
    tz: ZoneInfo

    def due(self, day: date) -> datetime | None:
        if day.weekday() not in self.weekdays:
            return None
        return fire_at(day, self.at, self.tz) + self.shift

    def dates(self, start: datetime, end: datetime) -> list[date]:
        return fire_dates(start, end, self.at, self.tz, self.weekdays, self.shift)


def rule_for(kind: str, settings: Settings, cfg: PushConfig) -> Rule | None:
    """The rule of `kind` under these settings, or None when nothing of that kind goes out."""
    tz = zone(settings.timezone)
    if tz is None or settings.paused:
        return None
    if kind in (DAILY, GROUP):
        return Rule(settings.reminder_time, tuple(settings.weekdays), timedelta(0), tz)
    if kind == NUDGE and cfg.nudge_after is not None:
        return Rule(settings.reminder_time, tuple(settings.weekdays), cfg.nudge_after, tz)
    if kind == WEEKLY:
        return Rule(cfg.weekly_at, (cfg.weekly_weekday,), timedelta(0), tz)
    return None


def wants_pushes(user: User) -> bool:
    return (
        user.active and user.settings.onboarded and not user.settings.paused and bool(user.chat_id)
    )


def due_now(kind: str, settings: Settings, day: date, cfg: PushConfig) -> datetime | None:
    """When the push (kind, day) is due under the current settings; None if it shouldn't go."""
    rule = rule_for(kind, settings, cfg)
    return rule.due(day) if rule else None


def user_pushes(
    user: User,
    kinds: tuple[str, ...],
    start: datetime,
    end: datetime,
    now: datetime,
    cfg: PushConfig,
) -> list[NewPush]:
    """The pushes of `user` due in (start, end]; those older than the grace window as MISSED."""
    if not wants_pushes(user):
        return []
    template = NewPush("", user.ref.platform, user_target(user.id), date.min, user.chat_id,
                       now, user_id=user.id)  # fmt: skip
    found = []
    for kind in kinds:
        found += _pushes(template, kind, rule_for(kind, user.settings, cfg), start, end, now, cfg)
    return found


def channel_pushes(
    channel: Channel, start: datetime, end: datetime, now: datetime, cfg: PushConfig
) -> list[NewPush]:
    if not channel.enabled:
        return []
    template = NewPush("", channel.platform, channel_target(channel.chat_id), date.min,
                       channel.chat_id, now, channel_id=channel.id)  # fmt: skip
    return _pushes(template, GROUP, rule_for(GROUP, channel.settings, cfg), start, end, now, cfg)


def _pushes(
    template: NewPush,
    kind: str,
    rule: Rule | None,
    start: datetime,
    end: datetime,
    now: datetime,
    cfg: PushConfig,
) -> list[NewPush]:
    """One push per date `rule` fires in (start, end], shaped like `template`."""
    if rule is None:
        return []
    found = []
    for day in rule.dates(start, end):
        due = fire_at(day, rule.at, rule.tz) + rule.shift
        state = MISSED if now - due > cfg.grace else PENDING
        found.append(replace(template, kind=kind, day=day, due_at=due, state=state))
    return found
