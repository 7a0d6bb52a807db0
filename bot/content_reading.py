"""Typed reads of the content YAML that record problems instead of raising.

Shared by the content loader (bot/content.py) and the picture index (bot/content_images.py),
so every content file reports problems the same way: file, subject, field, what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser is several times faster; cold start matters for the CLI
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

EXERCISE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SNAKE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _example(pattern: re.Pattern[str]) -> str:
    return "'glute-bridge'" if pattern is EXERCISE_ID else "'glute_max'"


# --- YAML ----------------------------------------------------------------------------


class StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys: YAML would silently keep the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the base constructor reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def parse_yaml(path: Path, label: str, problems: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{label}: cannot read the file ({exc})")
        return None
    try:
        return yaml.load(text, Loader=StrictLoader)  # a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        problems.append(f"{label}: {where}YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        problems.append(f"{label}: YAML syntax error: {exc}")
    return None


# --- typed reads that record problems instead of raising -----------------------------


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({value!r})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def hint(word: str, options: Collection[str]) -> str:
    import difflib  # only paid for when something is wrong

    close = difflib.get_close_matches(word, list(options), n=1)
    if close:
        return f" (did you mean '{close[0]}'?)"
    if len(options) <= 12:
        return " (expected one of: " + ", ".join(sorted(options)) + ")"
    return ""


@dataclass(frozen=True, slots=True)
class Report:
    """Where problems go, and what to call the place they were found."""

    problems: list[str]
    file: str
    subject: str = ""

    def __call__(self, field: str, message: str) -> None:
        parts = [self.file]
        if self.subject:
            parts.append(self.subject)
        if field:
            parts.append(f"field '{field}'")
        parts.append(message)
        self.problems.append(": ".join(parts))

    def about(self, subject: str) -> Report:
        return Report(self.problems, self.file, subject)


class Fields:
    """Reads one YAML mapping. A bad value is reported and read as a harmless
    default, so checking can go on and every problem is found in one pass."""

    def __init__(self, data: Mapping[str, Any], report: Report, prefix: str = "") -> None:
        self.data = data
        self.report = report
        self.prefix = prefix

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def problem(self, key: str, message: str) -> None:
        self.report(self.path(key), message)

    def allow(self, required: Collection[str], optional: Collection[str] = ()) -> None:
        for key in required:
            if key not in self.data:
                self.problem(key, "missing required field")
        allowed = {*required, *optional}
        for key in self.data:
            if key not in allowed:
                self.problem(str(key), "unknown field" + hint(str(key), allowed))

    def _get(self, key: str, expected: str, kinds: tuple[type, ...]) -> Any:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds:
            value_ok = False
        else:
            value_ok = isinstance(value, kinds)
        if not value_ok:
            self.problem(key, f"expected {expected}, got {describe(value)}")
            return None
        return value

    def text(self, key: str, *, one_line: bool = False, max_len: int = 2000) -> str:
        value = self._get(key, "text", (str,))
        if value is None:
            return ""
        value = value.strip()
        if not value:
            self.problem(key, "must not be empty")
        elif one_line and "\n" in value:
            self.problem(key, "must be a single line")
        elif len(value) > max_len:
            self.problem(key, f"is too long ({len(value)} characters, at most {max_len})")
        return value

    def integer(self, key: str, lo: int, hi: int, default: int = 0) -> int:
        value = self._get(key, f"a whole number from {lo} to {hi}", (int,))
        if value is None:
            return default
        if not lo <= value <= hi:
            self.problem(key, f"must be a whole number from {lo} to {hi} (got {value})")
            return default
        return int(value)

    def number(self, key: str, lo: float, hi: float) -> float | None:
        value = self._get(key, f"a number above {lo} and at most {hi}", (int, float))
        if value is None:
            return None
        if not lo < value <= hi:
            self.problem(key, f"must be a number above {lo} and at most {hi} (got {value})")
            return None
        return float(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, "true or false", (bool,))
        return default if value is None else value

    def choice(self, key: str, options: Collection[str], kind: str) -> str:
        value = self._get(key, f"a {kind} id", (str,))
        if value is None:
            return ""
        if value not in options:
            self.problem(key, f"unknown {kind} '{value}'" + hint(value, options))
        return value

    def items(self, key: str, expected: str = "a list") -> list[Any]:
        value = self._get(key, expected, (list,))
        return [] if value is None else value

    def texts(self, key: str, *, min_items: int = 0, max_items: int = 50) -> tuple[str, ...]:
        out: list[str] = []
        values = self.items(key, "a list of text")
        self._count(key, values, min_items, max_items)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.problem(f"{key}[{i}]", f"expected non-empty text, got {describe(value)}")
            else:
                out.append(" ".join(value.split()))
        return tuple(out)

    def ids(
        self,
        key: str,
        known: Collection[str],
        kind: str,
        *,
        min_items: int = 0,
        max_items: int = 50,
    ) -> tuple[str, ...]:
        out: list[str] = []
        values = self.items(key, f"a list of {kind} ids")
        self._count(key, values, min_items, max_items)
        for i, value in enumerate(values):
            if not isinstance(value, str):
                self.problem(f"{key}[{i}]", f"expected a {kind} id, got {describe(value)}")
            elif value not in known:
                self.problem(f"{key}[{i}]", f"unknown {kind} '{value}'" + hint(value, known))
            elif value in out:
                self.problem(f"{key}[{i}]", f"'{value}' is listed twice")
            else:
                out.append(value)
        return tuple(out)

    def _count(self, key: str, values: list[Any], lo: int, hi: int) -> None:
        if key in self.data and not lo <= len(values) <= hi:
            self.problem(key, f"needs {lo} to {hi} items (has {len(values)})")

    def span(self, key: str, lo: int, hi: int) -> tuple[int, int] | None:
        """A [low, high] range of whole numbers; a single number means low = high."""
        if key not in self.data:
            return None
        value = self.data[key]
        expected = f"[low, high] with whole numbers from {lo} to {hi}"
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value, value]
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            self.problem(key, f"expected {expected}, got {describe(value)}")
            return None
        low, high = value
        if not (lo <= low <= hi and lo <= high <= hi):
            self.problem(key, f"expected {expected}, got [{low}, {high}]")
            return None
        if low > high:
            self.problem(key, f"low is above high ([{low}, {high}])")
            return None
        return (low, high)

    def records(self, key: str) -> Iterator[tuple[int, Fields]]:
        """The mappings in a list field, each with a reader whose paths are `key[i].field`."""
        for i, raw in enumerate(self.items(key)):
            if not isinstance(raw, dict):
                self.problem(f"{key}[{i}]", f"expected a mapping, got {describe(raw)}")
                continue
            yield i, Fields(raw, self.report, f"{self.prefix}{key}[{i}].")

    def mapping(self, key: str) -> Fields:
        value = self._get(key, "a mapping", (dict,))
        return Fields(value or {}, self.report, f"{self.prefix}{key}.")

    def names(self, key: str, id_pattern: re.Pattern[str]) -> dict[str, str]:
        """An `id: human name` mapping."""
        out: dict[str, str] = {}
        for ident, name in self.mapping(key).data.items():
            path = f"{key}.{ident}"
            if not isinstance(ident, str) or not id_pattern.match(ident):
                self.problem(path, "ids use lower case letters, digits and _")
            elif not isinstance(name, str) or not name.strip():
                self.problem(path, f"expected a name, got {describe(name)}")
            else:
                out[ident] = name.strip()
        return out

    def entities(
        self, key: str, kind: str, id_pattern: re.Pattern[str]
    ) -> Iterator[tuple[str, Fields]]:
        """The mappings in a list field, each with a reader that names it by its id."""
        seen: set[str] = set()
        for i, raw in enumerate(self.items(key)):
            if not isinstance(raw, dict):
                self.problem(f"{key}[{i}]", f"expected a mapping, got {describe(raw)}")
                continue
            ident = raw.get("id")
            if not isinstance(ident, str) or not id_pattern.match(ident):
                item = Fields(raw, self.report.about(f"{kind} #{i + 1} in '{key}'"))
                item.problem("id", f"expected an id like {_example(id_pattern)}, got {ident!r}")
                continue
            item = Fields(raw, self.report.about(f"{kind} '{ident}'"))
            if ident in seen:
                item.problem("id", f"duplicate {kind} id '{ident}'")
                continue
            seen.add(ident)
            yield ident, item


class Reader:
    """Reads one content folder's YAML files, recording problems instead of raising."""

    def __init__(self, root: Path, problems: list[str]) -> None:
        self.root = root
        self.problems = problems
        # Exercise files that could not be read: already reported, so links to them
        # are not reported again as unknown.
        self.unreadable: set[str] = set()

    def label(self, path: Path) -> str:
        return f"{self.root.name}/{path.relative_to(self.root).as_posix()}"

    def document(self, path: Path, subject: str = "") -> Fields | None:
        """The file's top-level mapping; `subject` names it in problems found before that."""
        label = self.label(path)
        where = f"{label}: {subject}" if subject else label
        if not path.is_file():
            self.problems.append(f"{where}: file is missing")
            return None
        data = parse_yaml(path, where, self.problems)
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problems.append(f"{where}: expected a mapping at the top, got {describe(data)}")
            return None
        return Fields(data, Report(self.problems, label))
