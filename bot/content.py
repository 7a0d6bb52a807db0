"""Load and validate the coaching content (content/*.yaml) into a typed `Library`.

Every problem is collected before anything is raised, so a host who edits the
YAML sees all of them at once. Each message names the file, the thing inside it
(exercise, split, muscle...), the field path and what was expected.

Kept light on imports on purpose: `backline howto rdl` loads this on every run.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path

import bot
from bot.content_images import attach_images
from bot.content_reading import EXERCISE_ID, SNAKE_ID, Fields, Reader, Report, hint
from bot.core.library import (
    DayType,
    EquipmentItem,
    Exercise,
    LevelDose,
    Library,
    Muscle,
    Prescription,
    RampStep,
    SelfTest,
    SelfTestOutcome,
    SelfTestStep,
    SessionLength,
    SessionShape,
    Slot,
    Split,
    Taxonomy,
)
from bot.core.settings import LEVELS

ENV_VAR = "BACKLINE_CONTENT"
MAX_SHOWN = 30  # problems listed in one error; the rest are counted

ROLES = ("main", "warmup", "cooldown")
REGIONS = ("upper", "lower", "full")
EXERCISE_REQUIRED = (
    *("id", "name", "role", "region", "pattern", "primary", "equipment", "level", "loaded"),
    *("prescription", "summary", "steps", "cues", "mistakes"),
)
EXERCISE_OPTIONAL = ("aliases", "secondary", "easier", "harder", "safety", "no_easier", "no_harder")
OUTCOME_ID = re.compile(r"^[a-z][a-z0-9-]{0,23}$")  # travels in button callback data


class ContentError(Exception):
    """The content folder can't be loaded. `problems` holds one line per problem."""

    def __init__(self, problems: list[str], root: Path | None = None) -> None:
        self.problems = problems
        self.root = root
        where = f" in {root}" if root else ""
        shown = problems[:MAX_SHOWN]
        lines = [f"Backline content has {len(problems)} problem(s){where}:"]
        lines += [f"  - {p}" for p in shown]
        if len(problems) > len(shown):
            lines.append(f"  ... and {len(problems) - len(shown)} more")
        super().__init__("\n".join(lines))


# --- where content lives -------------------------------------------------------------


def content_root() -> Path:
    """$BACKLINE_CONTENT, else the copy inside an installed wheel, else the repo's content/."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    package = Path(bot.__file__).resolve().parent
    packaged = package / "_content"
    if packaged.is_dir():
        return packaged
    return package.parent / "content"


@functools.cache
def default_library() -> Library:
    return load_library()


def load_library(path: Path | None = None) -> Library:
    root = Path(path) if path is not None else content_root()
    if not root.is_dir():
        raise ContentError([f"no content folder at {root} (set {ENV_VAR} to point at one)"], root)
    problems: list[str] = []
    loader = _ContentLoader(root, problems)
    library = loader.load()
    if problems:
        raise ContentError(problems, root)
    return library


def _ramp(item: Fields) -> tuple[RampStep, ...]:
    steps: list[RampStep] = []
    for _, step in item.records("ramp"):
        step.allow(("until_week", "exercises"))
        until = step.integer("until_week", 1, 52, default=1)
        if steps and until <= steps[-1].until_week:
            step.problem("until_week", f"must come after week {steps[-1].until_week}")
        steps.append(RampStep(until, step.integer("exercises", 1, 10, default=1)))
    return tuple(steps)


def _alias_key(text: str) -> str:
    """How lookups compare names: case, spacing and punctuation don't count."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# --- the loader ----------------------------------------------------------------------


class _ContentLoader(Reader):
    def load(self) -> Library:
        taxonomy = self.taxonomy()
        exercises = self.exercises(taxonomy)
        exercises = attach_images(self, exercises)
        programs = self.document(self.root / "programs.yaml") or Fields({}, Report([], ""))
        programs.allow(
            ("splits", "day_types", "levels", "session", "selftest"), ("main_lifts", "block_weeks")
        )
        levels = self.levels(programs)
        day_types = self.day_types(programs, taxonomy, levels)
        return Library(
            main_lifts=self.main_lifts(programs, taxonomy, exercises),
            block_weeks=programs.integer("block_weeks", 4, 6, default=6),
            exercises=exercises,
            taxonomy=taxonomy,
            splits=self.splits(programs, day_types),
            day_types=day_types,
            levels=levels,
            session=self.session(programs, exercises),
            selftest=self.selftest(programs),
            source=str(self.root),
        )

    # taxonomy.yaml

    def taxonomy(self) -> Taxonomy:
        doc = self.document(self.root / "taxonomy.yaml") or Fields({}, Report([], ""))
        doc.allow(("groups", "muscles", "patterns", "equipment"))
        groups = doc.names("groups", SNAKE_ID)
        patterns = doc.names("patterns", SNAKE_ID)
        muscles: dict[str, Muscle] = {}
        for ident, item in doc.entities("muscles", "muscle", SNAKE_ID):
            item.allow(("id", "name", "group"))
            muscles[ident] = Muscle(
                ident, item.text("name", one_line=True), item.choice("group", groups, "group")
            )
        equipment: dict[str, EquipmentItem] = {}
        for ident, item in doc.entities("equipment", "equipment", SNAKE_ID):
            item.allow(("id", "name"), ("step_kg", "step_lb"))
            equipment[ident] = EquipmentItem(
                ident,
                item.text("name", one_line=True),
                item.number("step_kg", 0, 50),
                item.number("step_lb", 0, 100),
            )
        if doc.data and "bodyweight" not in equipment:
            doc.problem("equipment", "must include 'bodyweight' (what everyone has)")
        return Taxonomy(muscles=muscles, patterns=patterns, equipment=equipment, groups=groups)

    # exercises/*.yaml

    def exercises(self, taxonomy: Taxonomy) -> dict[str, Exercise]:
        folder = self.root / "exercises"
        if not folder.is_dir():
            self.problems.append(f"{self.root.name}/exercises: folder is missing")
            return {}
        for stray in sorted(folder.glob("*.yml")):
            self.problems.append(f"{self.label(stray)}: rename it to end in .yaml")
        found: dict[str, tuple[Exercise, Fields]] = {}
        for path in sorted(folder.glob("*.yaml")):
            stem = path.stem
            doc = self.document(path, f"exercise '{stem}'")
            if doc is None:
                self.unreadable.add(stem)
                continue
            item = Fields(doc.data, doc.report.about(f"exercise '{stem}'"))
            ident = item.data.get("id")
            if isinstance(ident, str) and ident != stem:
                item.problem("id", f"'{ident}' does not match the file name (expected '{stem}')")
            if not EXERCISE_ID.match(stem):
                item.problem("id", "exercise ids are kebab-case, like 'glute-bridge'")
            if isinstance(ident, str) and ident in found:
                item.problem("id", f"duplicate exercise id '{ident}'")
                continue
            exercise = self.exercise(stem if not isinstance(ident, str) else ident, item, taxonomy)
            found[exercise.id] = (exercise, item)
        self.check_names(found)
        self.check_links(found, self.unreadable)
        return {ident: exercise for ident, (exercise, _) in found.items()}

    def exercise(self, ident: str, item: Fields, taxonomy: Taxonomy) -> Exercise:
        item.allow(EXERCISE_REQUIRED, EXERCISE_OPTIONAL)
        muscles = taxonomy.muscles
        primary = item.ids("primary", muscles, "muscle", min_items=1)
        secondary = item.ids("secondary", muscles, "muscle")
        for muscle in set(primary) & set(secondary):
            item.problem("secondary", f"'{muscle}' is already a primary muscle")
        equipment = item.ids("equipment", taxonomy.equipment, "equipment", min_items=1)
        if "bodyweight" in equipment and len(equipment) > 1:
            item.problem("equipment", "'bodyweight' means no equipment; list it on its own")
        loaded = item.flag("loaded")
        loadable = any(
            taxonomy.equipment[e].step_kg is not None for e in equipment if e in taxonomy.equipment
        )
        if loaded and equipment and not loadable:
            item.problem("loaded", "is true but none of its equipment takes a load")
        return Exercise(
            id=ident,
            name=item.text("name", one_line=True, max_len=80),
            aliases=item.texts("aliases"),
            role=item.choice("role", ROLES, "role"),  # type: ignore[arg-type]
            region=item.choice("region", REGIONS, "region"),  # type: ignore[arg-type]
            pattern=item.choice("pattern", taxonomy.patterns, "pattern"),
            primary=primary,
            secondary=secondary,
            equipment=equipment,
            level=item.choice("level", LEVELS, "level"),
            loaded=loaded,
            prescription=self.prescription(item.mapping("prescription")),
            steps=item.texts("steps", min_items=2, max_items=8),
            cues=item.texts("cues", min_items=1, max_items=6),
            mistakes=item.texts("mistakes", min_items=1, max_items=6),
            easier=item.texts("easier"),  # checked against all ids in check_links
            harder=item.texts("harder"),
            safety=item.texts("safety", max_items=6),
            summary=item.text("summary", one_line=True, max_len=200),
            no_easier=item.text("no_easier", max_len=300) if "no_easier" in item.data else "",
            no_harder=item.text("no_harder", max_len=300) if "no_harder" in item.data else "",
        )

    @staticmethod
    def prescription(dose: Fields) -> Prescription:
        if not dose.data:
            return Prescription(sets=1)  # the missing mapping is already reported
        dose.allow(("sets", "rest_seconds"), ("reps", "seconds", "per_side"))
        reps = dose.span("reps", 1, 100)
        seconds = dose.span("seconds", 1, 600)
        if "reps" not in dose.data and "seconds" not in dose.data:
            dose.problem("reps", "needs 'reps' or 'seconds' (or both)")
        return Prescription(
            sets=dose.integer("sets", 1, 10, default=1),
            reps=reps,
            seconds=seconds,
            per_side=dose.flag("per_side"),
            rest_seconds=dose.integer("rest_seconds", 0, 600, default=60),
        )

    @staticmethod
    def check_names(found: dict[str, tuple[Exercise, Fields]]) -> None:
        """Ids, names and aliases must point at one exercise each, or lookups get ambiguous."""
        # Each side of a clash is told, so the host can pick which one keeps the word.
        users: dict[str, list[tuple[str, str, str]]] = {}  # key -> (exercise, field, text)
        for ident, (exercise, _) in found.items():
            named = [("id", ident), ("name", exercise.name)]
            named += [(f"aliases[{i}]", alias) for i, alias in enumerate(exercise.aliases)]
            for field, text in named:
                key = _alias_key(text)
                uses = users.setdefault(key, [])
                if key and all(user != ident for user, _, _ in uses):
                    uses.append((ident, field, text))
        for uses in users.values():
            for ident, field, text in uses if len(uses) > 1 else ():
                others = ", ".join(f"'{other}'" for other, _, _ in uses if other != ident)
                found[ident][1].problem(
                    field, f"'{text}' is also used by exercise {others}; names must be unique"
                )

    @staticmethod
    def check_links(found: dict[str, tuple[Exercise, Fields]], unreadable: set[str]) -> None:
        for ident, (exercise, item) in found.items():
            for field in ("easier", "harder"):
                for i, target in enumerate(getattr(exercise, field)):
                    path = f"{field}[{i}]"
                    if target == ident:
                        item.problem(path, "an exercise can't link to itself")
                    elif target not in found and target not in unreadable:
                        item.problem(path, f"unknown exercise '{target}'" + hint(target, found))
                    elif exercise.role == "main" and target in found:
                        other = found[target][0]
                        if other.role != "main":
                            item.problem(
                                path, f"'{target}' is a {other.role} move; link main moves only"
                            )
            for target in set(exercise.easier) & set(exercise.harder):
                item.problem("harder", f"'{target}' is listed as both easier and harder")
            if exercise.role == "main" and exercise.bodyweight:
                # Progression climbs and steps down these links, so a gap must be explained.
                # Harder links are read for someone with no kit at all (every kit holds that):
                # when none of them is a bodyweight move, `no_harder` says what to do at the
                # top without kit (progression shows it once reps and sets are at their cap).
                no_kit = [
                    t
                    for t in exercise.harder
                    if t in found and found[t][0].equipment == ("bodyweight",)
                ]
                if not exercise.easier and "no_easier" not in item.data:
                    item.problem(
                        "easier", "a bodyweight move needs an 'easier' link or a 'no_easier' reason"
                    )
                elif exercise.easier and "no_easier" in item.data:
                    item.problem("no_easier", "is given although 'easier' lists a move")
                if not no_kit and "no_harder" not in item.data:
                    item.problem(
                        "harder",
                        "a bodyweight move needs a bodyweight 'harder' link (for someone with no "
                        "kit) or a 'no_harder' reason",
                    )
                elif no_kit and "no_harder" in item.data:
                    item.problem("no_harder", "is given although 'harder' lists a bodyweight move")

    # programs.yaml

    @staticmethod
    def levels(doc: Fields) -> dict[str, LevelDose]:
        levels: dict[str, LevelDose] = {}
        for ident, item in doc.entities("levels", "level", SNAKE_ID):
            item.allow(
                ("id", "name", "max_exercises", "max_sets", "prefer_bodyweight"),
                ("description", "ramp"),
            )
            if ident not in LEVELS:
                item.problem("id", f"unknown level '{ident}'" + hint(ident, LEVELS))
            levels[ident] = LevelDose(
                id=ident,
                name=item.text("name", one_line=True),
                max_exercises=item.integer("max_exercises", 1, 10, default=3),
                max_sets=item.integer("max_sets", 1, 10, default=3),
                prefer_bodyweight=item.flag("prefer_bodyweight"),
                description=item.text("description") if "description" in item.data else "",
                ramp=_ramp(item),
            )
        if doc.data.get("levels") is not None:
            for level in LEVELS:
                if level not in levels:
                    doc.problem("levels", f"level '{level}' is missing")
        # Keep the settings' order (beginner first) whatever order the file uses.
        return {level: levels[level] for level in LEVELS if level in levels}

    @staticmethod
    def day_types(
        doc: Fields, taxonomy: Taxonomy, levels: Mapping[str, LevelDose]
    ) -> dict[str, DayType]:
        most = max((level.max_exercises for level in levels.values()), default=0)
        day_types: dict[str, DayType] = {}
        for ident, item in doc.entities("day_types", "day type", SNAKE_ID):
            item.allow(("id", "name", "region", "slots"))
            slots: list[Slot] = []
            for _, slot in item.records("slots"):
                slot.allow(("name", "patterns"), ("fallback", "main"))
                patterns = taxonomy.patterns
                slots.append(
                    Slot(
                        name=slot.text("name", one_line=True),
                        patterns=slot.ids("patterns", patterns, "pattern", min_items=1),
                        fallback=slot.ids("fallback", patterns, "pattern"),
                        main=slot.flag("main"),
                    )
                )
            if "slots" in item.data and len(slots) < most:
                item.problem(
                    "slots", f"has {len(slots)} slots but a level asks for {most} exercises"
                )
            if slots and not any(slot.main for slot in slots):
                item.problem("slots", "needs at least one slot with 'main: true'")
            day_types[ident] = DayType(
                id=ident,
                name=item.text("name", one_line=True),
                region=item.choice("region", REGIONS, "region"),  # type: ignore[arg-type]
                slots=tuple(slots),
            )
        return day_types

    @staticmethod
    def splits(doc: Fields, day_types: Mapping[str, DayType]) -> dict[str, Split]:
        splits: dict[str, Split] = {}
        for ident, item in doc.entities("splits", "split", SNAKE_ID):
            item.allow(("id", "name", "days", "default_weekdays"), ("description",))
            days = item.items("days", "a list of day type ids")
            for i, day in enumerate(days):
                if day not in day_types:
                    close = hint(str(day), day_types)
                    item.problem(f"days[{i}]", f"unknown day type {day!r}{close}")
            if "days" in item.data and not 1 <= len(days) <= 7:
                item.problem("days", f"needs 1 to 7 days (has {len(days)})")
            weekdays: list[int] = []
            raw_weekdays = item.items("default_weekdays", "a list of weekday numbers")
            for i, day in enumerate(raw_weekdays):
                if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                    item.problem(
                        f"default_weekdays[{i}]",
                        f"must be a weekday number from 0 (Monday) to 6 (Sunday), got {day!r}",
                    )
                else:
                    weekdays.append(day)
            if len(set(weekdays)) != len(weekdays):
                item.problem("default_weekdays", "lists the same weekday twice")
            elif weekdays != sorted(weekdays):
                item.problem("default_weekdays", "must go in order, Monday (0) to Sunday (6)")
            if "days" in item.data and len(raw_weekdays) != len(days):
                item.problem(
                    "default_weekdays", f"has {len(raw_weekdays)} weekdays for {len(days)} days"
                )
            splits[ident] = Split(
                id=ident,
                name=item.text("name", one_line=True),
                days=tuple(str(d) for d in days),
                default_weekdays=tuple(weekdays),
                description=item.text("description") if "description" in item.data else "",
            )
        return splits

    def session(self, doc: Fields, exercises: Mapping[str, Exercise]) -> SessionShape:
        shape = doc.mapping("session")
        if not shape.data:
            return SessionShape(30, (), (), 0, 0, 3)
        shape.allow(
            ("minutes", "warmup", "cooldown", "warmup_count", "cooldown_count", "seconds_per_rep"),
            ("lengths", "barbell_warmup_sets"),
        )

        def moves(key: str, role: str) -> tuple[str, ...]:
            ids = shape.ids(key, {*exercises, *self.unreadable}, "exercise", min_items=1)
            for i, ident in enumerate(ids):
                if ident in exercises and exercises[ident].role != role:
                    shape.problem(
                        f"{key}[{i}]",
                        f"'{ident}' has role '{exercises[ident].role}', expected '{role}'",
                    )
            return ids

        warmup = moves("warmup", "warmup")
        cooldown = moves("cooldown", "cooldown")
        return SessionShape(
            minutes=shape.integer("minutes", 5, 180, default=30),
            warmup=warmup,
            cooldown=cooldown,
            # Counts are checked against the lists only when the lists themselves are fine.
            warmup_count=shape.integer("warmup_count", 0, len(warmup) or 10),
            cooldown_count=shape.integer("cooldown_count", 0, len(cooldown) or 10),
            seconds_per_rep=shape.integer("seconds_per_rep", 1, 10, default=3),
            lengths=self.lengths(shape, len(warmup), len(cooldown)),
            barbell_warmup_sets=shape.integer("barbell_warmup_sets", 0, 5),
        )

    @staticmethod
    def lengths(shape: Fields, warmups: int, cooldowns: int) -> tuple[SessionLength, ...]:
        out: list[SessionLength] = []
        for _, item in shape.records("lengths"):
            item.allow(
                ("minutes", "warmup_count", "cooldown_count"), ("extra_exercises", "extra_sets")
            )
            minutes = item.integer("minutes", 5, 180, default=30)
            if any(length.minutes == minutes for length in out):
                item.problem("minutes", f"{minutes} minutes is listed twice")
            out.append(
                SessionLength(
                    minutes=minutes,
                    warmup_count=item.integer("warmup_count", 0, warmups or 10),
                    cooldown_count=item.integer("cooldown_count", 0, cooldowns or 10),
                    extra_exercises=item.integer("extra_exercises", 0, 5),
                    extra_sets=item.integer("extra_sets", 0, 2),
                )
            )
        default = shape.data.get("minutes", 30)
        if out and all(length.minutes != default for length in out):
            shape.problem("lengths", f"must include the default length ({default} minutes)")
        return tuple(out)

    def main_lifts(
        self, doc: Fields, taxonomy: Taxonomy, exercises: Mapping[str, Exercise]
    ) -> dict[str, tuple[tuple[str, ...], ...]]:
        out: dict[str, tuple[tuple[str, ...], ...]] = {}
        order = doc.mapping("main_lifts")
        seen: set[str] = set()
        for pattern in order.data:
            key = str(pattern)
            if key not in taxonomy.patterns:
                order.problem(key, f"unknown pattern '{key}'" + hint(key, taxonomy.patterns))
                continue
            tiers: list[tuple[str, ...]] = []
            for i, tier in enumerate(order.items(key, "a list of tiers (lists of exercise ids)")):
                path = f"{key}[{i}]"
                ids = tier if isinstance(tier, list) else [tier]
                kept: list[str] = []
                for j, ident in enumerate(ids):
                    where = f"{path}[{j}]"
                    if ident in self.unreadable:
                        continue  # already reported where it is
                    if not isinstance(ident, str) or ident not in exercises:
                        order.problem(
                            where, f"unknown exercise {ident!r}" + hint(str(ident), exercises)
                        )
                    elif exercises[ident].role != "main":
                        order.problem(where, f"'{ident}' is not a main move")
                    elif exercises[ident].pattern != key:
                        actual = exercises[ident].pattern
                        order.problem(where, f"'{ident}' has pattern '{actual}', not '{key}'")
                    elif ident in seen:
                        order.problem(where, f"'{ident}' is listed twice")
                    else:
                        seen.add(ident)
                        kept.append(ident)
                if kept:
                    tiers.append(tuple(kept))
            out[key] = tuple(tiers)
        return out

    @staticmethod
    def selftest(doc: Fields) -> SelfTest:
        test = Fields(doc.mapping("selftest").data, doc.report.about("self-test"))
        if not test.data:
            return SelfTest("", "", (), "", ())
        test.allow(("name", "intro", "steps", "question", "outcomes"))
        outcomes: list[SelfTestOutcome] = []
        for ident, item in test.entities("outcomes", "self-test outcome", OUTCOME_ID):
            item.allow(("id", "label", "level", "advice"))
            outcomes.append(
                SelfTestOutcome(
                    id=ident,
                    label=item.text("label", one_line=True, max_len=40),
                    level=item.choice("level", LEVELS, "level"),
                    advice=item.text("advice"),
                )
            )
        if "outcomes" in test.data and not 2 <= len(outcomes) <= 4:
            test.problem("outcomes", f"needs 2 to 4 answers (has {len(outcomes)})")
        return SelfTest(
            name=test.text("name", one_line=True),
            intro=test.text("intro"),
            steps=tuple(SelfTestStep(s) for s in test.texts("steps", min_items=1, max_items=8)),
            question=test.text("question", one_line=True),
            outcomes=tuple(outcomes),
        )
