"""Checks Bot API calls and objects against the spec in tests/specs/telegram-bot-api.json.

The spec lists every method and type with its fields, their types and whether they are
required. Limits that Telegram states only in prose ("1-4096 characters after entities
parsing", "1-64 bytes", "Values between 1-100", "must be default") are read from the field
descriptions, so the checks follow the spec file rather than a hand-written copy of it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from tests.fakes.fake_server import UploadedFile, is_json_type

__all__ = ["BotApiSpec", "EntityParseError", "UploadedFile", "Violation", "html_to_plain"]

REPO_ROOT = Path(__file__).resolve().parents[2]
# Vendored with its MIT licence in tests/specs/, so a clone anywhere can run the tests.
SPEC_PATH = REPO_ROOT / "tests" / "specs" / "telegram-bot-api.json"

# The spec only points at "formatting options" for parse_mode; these are the three it documents.
PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})

# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
}
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

_ARRAY = "Array of "
# The Bot API's primitive types as JSON Schema names them.
_PRIMITIVES = {"String": "string", "Integer": "integer", "Float": "number", "Boolean": "boolean"}


class EntityParseError(ValueError):
    """Telegram answers such text with "Bad Request: can't parse entities"."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request broke the spec."""

    method: str
    where: str  # a dotted path to the offending value, e.g. "reply_markup.inline_keyboard[0][0]"
    problem: str

    def __str__(self) -> str:
        return f"{self.method}: {self.where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    # Limits stated in the description:
    chars: tuple[int, int] | None = None
    after_entities: bool = False  # the character limit counts the text after HTML parsing
    nbytes: tuple[int, int] | None = None
    int_range: tuple[int, int] | None = None
    max_items: int | None = None
    choices: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """A method's parameters or a type's fields."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()  # methods only: what a successful call answers
    # "Exactly one of the fields other than text, ... must be used" (InlineKeyboardButton)
    exactly_one_besides: frozenset[str] | None = None


def _field_from_spec(raw: dict[str, Any]) -> FieldSpec:
    text: str = raw["description"]
    types = tuple(raw["types"])
    chars = nbytes = int_range = None
    after_entities = False
    max_items = None
    choices: frozenset[str] | None = None
    pattern = None
    if m := re.search(r"(\d+)-(\d+) characters( after entit)?", text):
        chars = (int(m[1]), int(m[2]))
        after_entities = bool(m[3])
    if m := re.search(r"(\d+)-(\d+) [Bb]ytes", text):
        nbytes = (int(m[1]), int(m[2]))
    if m := re.search(r"Values between (\d+)-(\d+)", text):
        int_range = (int(m[1]), int(m[2]))
    if m := re.search(r"At most (\d+) [\w ]+ can be specified", text):
        max_items = int(m[1])
    if m := re.search(r'always "([^"]+)"\s*$', text) or re.search(r", must be (\w+)\s*$", text):
        choices = frozenset({m[1]})
    elif m := re.search(r"[Mm]ust be one of (.+?)(?:\.|$)", text):
        options = re.sub(r"\([^)]*\)", "", m[1])
        if re.fullmatch(r'\s*"[^"]*"(\s*,?\s*(or\s+)?"[^"]*")*\s*', options):
            choices = frozenset(re.findall(r'"([^"]*)"', options))
    if "Can contain only lowercase English letters, digits and underscores" in text:
        pattern = re.compile(r"[a-z0-9_]+")
    elif "Can contain only English letters, digits and underscores" in text:
        pattern = re.compile(r"[A-Za-z0-9_]+")
    if raw["name"].endswith("parse_mode"):
        choices = PARSE_MODES
    return FieldSpec(
        name=raw["name"],
        types=types,
        required=bool(raw["required"]),
        chars=chars,
        after_entities=after_entities,
        nbytes=nbytes,
        int_range=int_range,
        max_items=max_items,
        choices=choices,
        pattern=pattern,
    )


def _object_from_spec(raw: dict[str, Any]) -> ObjectSpec:
    description = " ".join(raw.get("description", []))
    besides = None
    if m := re.search(r"Exactly one of the fields other than (.+?) must be used", description):
        besides = frozenset(re.findall(r"\w+", m[1].replace(" and ", " "))) - {"and"}
    return ObjectSpec(
        name=raw["name"],
        fields={f["name"]: _field_from_spec(f) for f in raw.get("fields", [])},
        subtypes=tuple(raw.get("subtypes", ())),
        returns=tuple(raw.get("returns", ())),
        exactly_one_besides=besides,
    )


def html_to_plain(text: str) -> str:
    """The text Telegram shows for `text` in HTML parse mode; raises EntityParseError the way
    Telegram refuses it (unknown tag, unclosed tag, a bare <, > or &)."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.rawdata:
        raise EntityParseError(f"unparsed text at the end: {parser.rawdata[:20]!r}")
    if parser.stack:
        raise EntityParseError(f"can't find end tag corresponding to start tag {parser.stack[-1]}")
    return "".join(parser.plain)


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.plain: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise EntityParseError(f"unsupported start tag {tag!r}")
        for name, _ in attrs:
            if name not in _HTML_TAGS[tag]:
                raise EntityParseError(f"unsupported attribute {name!r} in tag {tag!r}")
        if tag == "a" and not dict(attrs).get("href"):
            raise EntityParseError("tag 'a' needs an href")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise EntityParseError("tag 'span' must have class tg-spoiler")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise EntityParseError(f"self-closing tag {tag!r} is not supported")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityParseError(f"unexpected end tag {tag!r}")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for bare in "<>&":
            if bare in data:
                raise EntityParseError(f"a bare {bare!r} must be written as an HTML entity")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in _HTML_ENTITIES:
            raise EntityParseError(f"unsupported HTML entity &{name};")
        self.plain.append(_HTML_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.plain.append(chr(code))
        except (ValueError, OverflowError) as exc:
            raise EntityParseError(f"bad character reference &#{name};") from exc

    def handle_comment(self, data: str) -> None:
        raise EntityParseError("HTML comments are not supported")

    def handle_decl(self, decl: str) -> None:
        raise EntityParseError("declarations are not supported")

    def handle_pi(self, data: str) -> None:
        raise EntityParseError("processing instructions are not supported")

    def unknown_decl(self, data: str) -> None:
        raise EntityParseError("declarations are not supported")


class BotApiSpec:
    """The Bot API as the spec file describes it."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods = {name: _object_from_spec(m) for name, m in raw["methods"].items()}
        self.types = {name: _object_from_spec(t) for name, t in raw["types"].items()}

    @classmethod
    @functools.cache
    def load(cls, path: Path = SPEC_PATH) -> BotApiSpec:
        if not path.is_file():
            raise FileNotFoundError(f"Bot API spec not found at {path}: it ships in tests/specs/")
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # -- requests -------------------------------------------------------------------------

    def check_call(
        self,
        method: str,
        form: Mapping[str, str],
        files: Mapping[str, UploadedFile] | None = None,
        *,
        deep: bool = True,
    ) -> tuple[dict[str, Any], list[Violation]]:
        """Decode a form-encoded call the way Telegram does and check it.

        Returns the decoded parameters (JSON values parsed, files as UploadedFile) and every
        violation found. `deep=False` only decodes and checks names (cheap, for benchmarks)."""
        files = dict(files or {})
        spec = self.methods.get(method)
        if spec is None:
            return {}, [Violation(method, "", "no such method in the Bot API spec")]
        problems: list[tuple[str, str]] = []
        decoded: dict[str, Any] = {}
        for name in sorted(set(form) | set(files)):
            field = spec.fields.get(name)
            if field is None:
                if name not in form and _is_attached(name, form):
                    continue  # a file part named by an attach://<name> value
                problems.append((name, "unknown parameter"))
                continue
            if name in files:
                if not any(t.startswith("InputFile") for t in field.types):
                    problems.append((name, "a file was uploaded where none is accepted"))
                decoded[name] = files[name]
                continue
            value, problem = _decode_form_value(field.types, form[name], files)
            if problem:
                problems.append((name, problem))
                continue
            decoded[name] = value
        if not deep:
            return decoded, [Violation(method, where, problem) for where, problem in problems]
        for field in spec.fields.values():
            if field.required and field.name not in decoded and not _has(field.name, problems):
                problems.append((field.name, "required parameter is missing"))
        checker = _Checker(self)
        for name, value in decoded.items():
            checker.check_field(spec.fields[name], value, name, siblings=decoded)
        problems.extend(checker.problems)
        return decoded, [Violation(method, where, problem) for where, problem in problems]

    # -- objects --------------------------------------------------------------------------

    def check_object(self, type_name: str, value: Any) -> list[str]:
        """Problems with a JSON object (e.g. an Update the fake is about to deliver)."""
        return self._problems((type_name,), value, type_name)

    def check_result(self, method: str, value: Any) -> list[str]:
        """Problems with what a server answers to a successful call of `method`."""
        return self._problems(self.methods[method].returns, value, f"{method} result")

    def _problems(self, types: tuple[str, ...], value: Any, where: str) -> list[str]:
        checker = _Checker(self)
        checker.check_types(types, value, where)
        return [f"{at}: {problem}" for at, problem in checker.problems]


def _has(name: str, problems: Iterable[tuple[str, str]]) -> bool:
    return any(where == name for where, _ in problems)


def _is_attached(name: str, form: Mapping[str, str]) -> bool:
    return any(isinstance(v, str) and f"attach://{name}" in v for v in form.values())


def _decode_form_value(
    types: tuple[str, ...], raw: str, files: Mapping[str, UploadedFile]
) -> tuple[Any, str | None]:
    """Form values arrive as text: strings as they are, everything else JSON-encoded."""
    if "String" in types and not raw.startswith("attach://"):
        # A union like Integer|String keeps numbers as numbers.
        if "Integer" in types and re.fullmatch(r"-?\d+", raw):
            return int(raw), None
        return raw, None
    if raw.startswith("attach://"):
        if not any(t.startswith("InputFile") for t in types):
            return None, "attach:// is only allowed for files"
        part = raw.removeprefix("attach://")
        if part not in files:
            return None, f"attach://{part} names no uploaded file"
        return files[part], None
    try:
        return json.loads(raw), None
    except ValueError:
        return None, f"expected JSON for {' or '.join(types)}, got {raw[:40]!r}"


class _Checker:
    """Walks a decoded value against spec types, collecting (path, problem) pairs."""

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        self.problems: list[tuple[str, str]] = []

    def _trial(self) -> _Checker:
        return _Checker(self.spec)

    def check_types(self, types: tuple[str, ...], value: Any, where: str) -> None:
        """Accept the value if it matches any of the types; otherwise report the closest miss."""
        best: list[tuple[str, str]] | None = None
        for type_name in types:
            trial = self._trial()
            trial._check_one(type_name, value, where)
            if not trial.problems:
                return
            if best is None or len(trial.problems) < len(best):
                best = trial.problems
        self.problems.extend(best or [])

    def _check_one(self, type_name: str, value: Any, where: str) -> None:
        if type_name.startswith(_ARRAY):
            if not isinstance(value, list):
                self.problems.append((where, f"expected {type_name}"))
                return
            inner = type_name.removeprefix(_ARRAY)
            for i, item in enumerate(value):
                self.check_types((inner,), item, f"{where}[{i}]")
            return
        if type_name in _PRIMITIVES:
            if not is_json_type(value, _PRIMITIVES[type_name]):
                self.problems.append((where, f"expected {type_name}, got {value!r}"[:120]))
            return
        if type_name == "InputFile":
            if not isinstance(value, UploadedFile):
                self.problems.append((where, "expected an uploaded file"))
            return
        obj = self.spec.types.get(type_name)
        if obj is None:
            self.problems.append((where, f"type {type_name} is not in the spec"))
            return
        if obj.subtypes:
            self.check_types(obj.subtypes, value, where)
            return
        self.check_object(obj, value, where)

    def check_object(self, obj: ObjectSpec, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            self.problems.append((where, f"expected a {obj.name} object"))
            return
        for key in value:
            if key not in obj.fields:
                self.problems.append((f"{where}.{key}", f"unknown field of {obj.name}"))
        for field in obj.fields.values():
            if field.name in value:
                self.check_field(field, value[field.name], f"{where}.{field.name}", value)
            elif field.required:
                self.problems.append((f"{where}.{field.name}", "required field is missing"))
        if obj.exactly_one_besides is not None:
            chosen = [k for k in value if k not in obj.exactly_one_besides]
            if len(chosen) != 1:
                self.problems.append(
                    (where, f"{obj.name} needs exactly one of its optional kinds, got {chosen}")
                )

    def check_field(
        self, field: FieldSpec, value: Any, where: str, siblings: Mapping[str, Any]
    ) -> None:
        self.check_types(field.types, value, where)
        if isinstance(value, str):
            self._check_text(field, value, where, siblings)
        if isinstance(value, int) and not isinstance(value, bool) and field.int_range:
            low, high = field.int_range
            if not low <= value <= high:
                self.problems.append((where, f"{value} is outside {low}-{high}"))
        if isinstance(value, list) and field.max_items is not None and len(value) > field.max_items:
            self.problems.append((where, f"{len(value)} items, at most {field.max_items}"))

    def _check_text(
        self, field: FieldSpec, value: str, where: str, siblings: Mapping[str, Any]
    ) -> None:
        if field.choices is not None and value not in field.choices:
            self.problems.append((where, f"{value!r} is not one of {sorted(field.choices)}"))
        if field.pattern is not None and not field.pattern.fullmatch(value):
            self.problems.append((where, f"{value!r} has characters the spec does not allow"))
        if field.nbytes is not None:
            low, high = field.nbytes
            size = len(value.encode("utf-8"))
            if not low <= size <= high:
                self.problems.append((where, f"{size} bytes, must be {low}-{high}"))
        if field.chars is not None:
            shown = value
            mode = siblings.get(f"{field.name}_parse_mode", siblings.get("parse_mode"))
            if field.after_entities and mode == "HTML":
                try:
                    shown = html_to_plain(value)
                except EntityParseError as exc:
                    self.problems.append((where, f"can't parse entities: {exc}"))
                    return
            low, high = field.chars
            if not low <= len(shown) <= high:
                self.problems.append((where, f"{len(shown)} characters, must be {low}-{high}"))
