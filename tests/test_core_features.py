"""The core's shape: feature declarations feed the command list, /help and the adapters; typed
button data and conversation states; one dose for planner and logging; no cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import open_coach
from bot.content import default_library
from bot.core import dose, render
from bot.core.commands import COMMANDS
from bot.core.dispatch import ButtonData, State, declarations
from bot.core.features import FEATURE_CLASSES
from bot.core.features.logging import LoggingState
from bot.core.features.progress import ForgetAnswer
from bot.core.features.setup import OnboardingAnswer, SelftestState
from bot.core.onboarding import STEP_IDS, step
from bot.core.settings import Settings
from bot.store import SqliteStore
from tests.test_conversation import MONDAY, Clock, Person, text_of

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "bot" / "core"


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[object, SqliteStore]]:
    coach, store = await open_coach(tmp_path / "backline.db", clock=Clock())
    yield coach, store
    await store.close()


# ---------------------------------------------------------------- one dose


async def test_a_beginner_logging_an_extra_exercise_as_done_stores_the_capped_sets(env) -> None:
    """Back extension is 3 x 10-12 in the content; a beginner does at most 2 sets."""
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    user = await store.find_user(sam.ref)
    assert user is not None and user.settings.level == "beginner"
    reply = await sam.say("/log back extension done")
    sets = [s for s in await store.sets_on(user.id, MONDAY) if s.exercise_id == "back-extension"]
    assert [(s.set_no, s.reps) for s in sets] == [(1, 10), (2, 10)]
    assert "Next time: 2 x 10-12 (aim 11)" in text_of(reply)  # a rep more a set


def test_the_planner_and_logging_dose_an_exercise_the_same_way() -> None:
    library = default_library()
    ex = library.exercises["back-extension"]
    for level, cap in (("beginner", 2), ("intermediate", 3), ("advanced", 4)):
        rx = dose.prescribed(ex, library, level)
        assert rx.sets == min(ex.prescription.sets, cap)
        assert library.levels[level].max_sets == cap


# ---------------------------------------------------------------- declarations


def test_commands_help_and_routing_come_from_the_declarations() -> None:
    declared = [d.command for cls in FEATURE_CLASSES for _, d in declarations(cls) if d.command]
    assert list(COMMANDS) == declared
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    text = render.help_text(COMMANDS)
    for c in COMMANDS:
        assert (f"/{c.name}: {c.description}" in text) is not c.admin_only


def test_a_newly_declared_command_reaches_help_telegram_and_discord(tmp_path: Path) -> None:
    """A fresh interpreter registers one more feature before anything reads the command list;
    the command then shows in COMMANDS, /help, both adapters' menus, and it answers."""
    script = textwrap.dedent(
        """
        import asyncio
        from pathlib import Path

        from bot.core import features
        from bot.core.dispatch import Ctx, command, say
        from bot.core.events import InboundEvent, Reply, UserRef
        from bot.core.features.base import Feature


        class Stretch(Feature):
            @command("stretch", "A two-minute hamstring stretch")
            async def stretch(self, ctx: Ctx, rest: str) -> Reply:
                return say("Stretch: hold each side for 60 s.")


        features.FEATURE_CLASSES = (*features.FEATURE_CLASSES, Stretch)

        from bot.adapters import discord_commands, telegram
        from bot.app import open_coach
        from bot.core.commands import COMMANDS

        assert "stretch" in [c.name for c in COMMANDS]
        assert "stretch" in [c.name for c in telegram.COMMANDS]


        async def run(_: object, text: str) -> None: ...


        slash = discord_commands.build_commands(run, lambda prefix, limit: [])
        assert "stretch" in [c.name for c in slash]


        async def main() -> None:
            coach, store = await open_coach(Path(__import__("sys").argv[1]))
            me = UserRef("test", "ana")
            help_reply = await coach.handle(InboundEvent(me, "ana", "/help"))
            assert "/stretch: A two-minute hamstring stretch" in help_reply.messages[0].text
            answer = await coach.handle(InboundEvent(me, "ana", "/stretch"))
            assert answer.messages[0].text == "Stretch: hold each side for 60 s."
            await store.close()
            print("ok")


        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "b.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# ---------------------------------------------------------------- typed data


def test_button_data_round_trips_and_forged_data_decodes_to_nothing() -> None:
    assert OnboardingAnswer.decode("time:07:30") == OnboardingAnswer("time", "07:30")
    assert ForgetAnswer("yes", 12).encode() == "fg:yes:12"
    assert ForgetAnswer.decode("yes:12") == ForgetAnswer("yes", 12)
    for forged in ("maybe:12", "yes:", "yes:abc", "yes", ""):
        assert ForgetAnswer.decode(forged) is None
    # Every button the onboarding steps make is one OnboardingAnswer understands.
    library = default_library()
    for step_id in STEP_IDS:
        for button in step(step_id).buttons(library, Settings()):
            kind, _, value = button.data.partition(":")
            assert kind == OnboardingAnswer.kind
            decoded = OnboardingAnswer.decode(value)
            assert decoded is not None and decoded.encode() == button.data
            assert len(button.data.encode()) <= 64


def test_every_declared_button_and_state_kind_is_unique() -> None:
    buttons = [d.button for cls in FEATURE_CLASSES for _, d in declarations(cls) if d.button]
    states = [d.state for cls in FEATURE_CLASSES for _, d in declarations(cls) if d.state]
    assert all(issubclass(b, ButtonData) for b in buttons)
    assert all(issubclass(s, State) for s in states)
    assert len({b.kind for b in buttons}) == len(buttons)
    assert len({s.kind for s in states}) == len(states)


def test_states_read_what_earlier_versions_stored() -> None:
    assert LoggingState.from_dict({"kind": "logging", "date": "2026-11-23"}) == LoggingState(MONDAY)
    assert SelftestState.from_dict({"kind": "selftest"}) == SelftestState()
    assert SelftestState.from_dict(SelftestState().to_dict()) == SelftestState()
    during_setup = SelftestState(then="equipment")
    assert SelftestState.from_dict(during_setup.to_dict()) == during_setup
    assert LoggingState.from_dict({"kind": "logging", "date": "soon"}) is None
    assert LoggingState(MONDAY).to_dict() == {"kind": "logging", "date": "2026-11-23"}


@pytest.mark.parametrize(
    "data", ["plan:explode", "fg:yes:someone", "fg:yes", "zz:1", "ob", "lvl", "ex:step"]
)
async def test_forged_or_stale_buttons_get_a_friendly_answer(env, data: str) -> None:
    coach, _ = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    reply = await sam.press(sam.last_id("session"), data)
    assert reply.messages[0].text == render.STALE_BUTTON
    assert reply.button_ack


async def test_a_broken_stored_state_is_dropped_and_the_text_still_answered(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/today")
    user = await store.find_user(sam.ref)
    assert user is not None
    await store.set_state(user.id, {"kind": "logging", "date": "not a date"})
    reply = await sam.say("hello")
    assert render.SORRY not in text_of(reply)
    assert await store.get_state(user.id) is None


# ---------------------------------------------------------------- module boundaries


def _core_imports() -> dict[str, list[ast.ImportFrom]]:
    found = {}
    for path in CORE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        found[module] = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    for module, imports in _core_imports().items():
        for node in imports:
            if node.module and node.module.startswith("bot."):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{module} imports {private} from {node.module}"


def test_the_core_has_no_import_cycles() -> None:
    imports = _core_imports()
    graph: dict[str, set[str]] = {}
    for module, nodes in imports.items():
        targets = set()
        for node in nodes:
            if not node.module or not node.module.startswith("bot.core"):
                continue
            for alias in node.names:  # "from bot.core import render" names a module
                sub = f"{node.module}.{alias.name}"
                targets.add(sub if sub in imports else node.module)
        graph[module] = targets - {module}

    def visit(module: str, path: tuple[str, ...]) -> None:
        for nxt in graph.get(module, ()):
            assert nxt not in path, " -> ".join((*path, nxt))
            visit(nxt, (*path, nxt))

    for module in graph:
        visit(module, (module,))


async def test_a_typed_self_test_answer_is_read_from_the_stored_state(env) -> None:
    coach, store = env
    sam = Person(coach, "sam")
    await sam.say("/selftest")
    outcome = default_library().selftest.outcomes[0]
    reply = await sam.say(outcome.label)
    assert outcome.advice in text_of(reply)
    user = await store.find_user(sam.ref)
    assert user is not None and await store.get_state(user.id) is None


def test_the_group_session_text_is_rendered_for_the_group_not_rewritten() -> None:
    """The group variant says what the old rewrite of the personal text said, word for word."""
    from bot.core.planner import plan_day

    library = default_library()
    plan = plan_day(library, Settings(), MONDAY)
    _, personal = render.plan_overview(plan, "kg")
    _, group = render.plan_overview(plan, "kg", group=True)
    old_rewrite = personal.replace(
        "Reply to this message with what you did",
        "Everyone: reply to this message with what you did",
    ).replace(", or tap Log step by step.", ". Each of you logs for yourself.")
    assert group == old_rewrite != personal
    assert "step by step" not in group
