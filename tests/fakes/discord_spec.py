"""Checks HTTP requests (and the fake's own answers) against Discord's published OpenAPI spec.

The spec is JSON Schema 2020-12 under the hood but never says `additionalProperties: false`,
so a plain schema validator would wave through misspelt fields. This checker is strict on
purpose: a body field the request schema does not name is a violation, as are a route or
method the API does not have, a query parameter it does not take, and any length, count or
range the spec states. On top of the spec it enforces Discord's documented limits that the
schema cannot express (2000-character message content for bots, 6000 characters across a
message's embeds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.fakes.fake_server import is_json_type

API_PREFIX = "/api/v10"
_JSON_TYPE_NAMES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
CONTENT_LIMIT = 2000  # bots; the spec's 4000 is the Nitro user limit
EMBEDS_TOTAL_LIMIT = 6000


def spec_path(repo_root: Path) -> Path:
    """The vendored spec (MIT, licence beside it) in tests/specs/."""
    return repo_root / "tests" / "specs" / "discord-openapi.json"


@dataclass(frozen=True, slots=True)
class Operation:
    template: str  # e.g. "/channels/{channel_id}/messages"
    method: str  # lower case
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]


class DiscordSpec:
    def __init__(self, path: Path) -> None:
        self.doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        self.request_mode = False  # set while checking a request (see `validate`)
        self._routes = [
            (template, [seg for seg in template.split("/") if seg])
            for template in self.doc["paths"]
        ]

    # -- routes -------------------------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for a concrete path; literal segments beat `{params}` on a tie."""
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        segs = [seg for seg in path.split("/") if seg]
        best: tuple[int, str] | None = None
        for template, tsegs in self._routes:
            if len(tsegs) != len(segs):
                continue
            literal = 0
            for t, s in zip(tsegs, segs, strict=True):
                if t.startswith("{"):
                    continue
                if t != s:
                    break
                literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, template)
        if best is None:
            return None
        item = self.doc["paths"][best[1]]
        op = item.get(method.lower())
        if op is None:
            return None
        params = tuple(item.get("parameters", [])) + tuple(op.get("parameters", []))
        return Operation(best[1], method.lower(), op, params)

    def check_request(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any = None,
        *,
        content_type: str = "application/json",
        files: tuple[str, ...] = (),
    ) -> list[str]:
        """Every way this request breaks the spec (empty when it is fine)."""
        where = f"{method} {path}"
        op = self.operation(method, path)
        if op is None:
            return [f"{where}: no such route/method in the Discord API"]
        errors: list[str] = []
        errors += self._check_path_params(op, path, where)
        errors += self._check_query(op, query, where)
        self.request_mode = True
        try:
            errors += self._check_body(op, body, content_type, files, where)
        finally:
            self.request_mode = False
        return errors

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Keeps the fake honest: what it answers must be what Discord documents."""
        op = self.operation(method, path)
        if op is None or status >= 500:  # any server can fail; the spec lists none of them
            return []
        responses = op.spec.get("responses", {})
        spec = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if spec is None:
            return [f"{method} {path}: the API never answers {status}"]
        spec = self.resolve(spec)
        schema = spec.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            if body not in (None, b"", ""):
                return [f"{method} {path}: {status} has no body in the API"]
            return []
        return [f"{method} {path} -> {status}: {e}" for e in self.validate(body, schema, "$")]

    # -- pieces -------------------------------------------------------------------------------

    def _check_path_params(self, op: Operation, path: str, where: str) -> list[str]:
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        errors: list[str] = []
        segs = [seg for seg in path.split("/") if seg]
        tsegs = [seg for seg in op.template.split("/") if seg]
        by_name = {p["name"]: p for p in op.parameters if p.get("in") == "path"}
        for t, s in zip(tsegs, segs, strict=True):
            if t.startswith("{"):
                param = by_name.get(t[1:-1])
                if param is not None:
                    errors += self.validate(s, param.get("schema", {}), f"path {t}")
        return [f"{where}: {e}" for e in errors]

    def _check_query(self, op: Operation, query: dict[str, str], where: str) -> list[str]:
        known = {p["name"]: p for p in op.parameters if p.get("in") == "query"}
        errors: list[str] = []
        for name, raw in query.items():
            param = known.get(name)
            if param is None:
                errors.append(f"{where}: unknown query parameter {name!r}")
                continue
            schema = param.get("schema", {})
            errors += self.validate(_query_value(raw, self.resolve(schema)), schema, f"?{name}")
        for name, param in known.items():
            if param.get("required") and name not in query:
                errors.append(f"{where}: missing query parameter {name!r}")
        return [e if e.startswith(where) else f"{where}: {e}" for e in errors]

    def _check_body(
        self, op: Operation, body: Any, content_type: str, files: tuple[str, ...], where: str
    ) -> list[str]:
        request = op.spec.get("requestBody")
        if request is None:
            if body is not None:
                return [f"{where}: this route takes no body"]
            return []
        if body is None:
            return [f"{where}: a body is required"] if request.get("required") else []
        media = request["content"].get(content_type)
        if media is None:
            return [f"{where}: {content_type} is not accepted here"]
        schema = media["schema"]
        errors: list[str] = []
        if content_type == "multipart/form-data":
            # discord.py sends the JSON part as `payload_json` (validated as `body`) and the
            # files as `files[n]`, Discord's documented convention for every upload route.
            bad = [f for f in files if not re.fullmatch(r"files\[\d\]", f)]
            errors += [f"unknown multipart field {f!r}" for f in bad]
            if len(files) > 10:
                errors.append(f"{len(files)} files, at most 10 allowed")
        errors += self.validate(body, schema, "$")
        errors += _documented_limits(op, body)
        return [f"{where}: {e}" for e in errors]

    # -- JSON schema (the subset the Discord spec uses, strict about unknown fields) -----------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = _lookup(self.doc, schema["$ref"])
        return schema

    def validate(
        self, value: Any, schema: dict[str, Any], at: str, siblings: frozenset[str] = frozenset()
    ) -> list[str]:
        """`siblings`: field names that other parts of an enclosing allOf define."""
        schema = self.resolve(schema)
        errors: list[str] = []
        parts = [self.resolve(sub) for sub in schema.get("allOf", [])]
        if parts:
            names = set(schema.get("properties", {})) | siblings
            for part in parts:
                names |= set(part.get("properties", {}))
            for part in parts:
                errors += self.validate(value, part, at, frozenset(names))
            siblings = frozenset(names)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [self.validate(value, sub, at, siblings) for sub in schema[key]]
                if all(branches):
                    # None fits: report the closest branch of the right JSON type; it reads
                    # like the real mistake.
                    wrong_type = f"{at}: expected "
                    typed = [b for b in branches if not b[0].startswith(wrong_type)] or branches
                    closest: list[str] = min(typed, key=len)
                    errors += closest
        if errors:
            return errors
        types = schema.get("type")
        if (
            self.request_mode
            and schema.get("format") == "snowflake"
            and isinstance(value, int)
            and not isinstance(value, bool)
            and value >= 0
        ):
            # Discord parses snowflakes sent as JSON numbers too (discord.py sends message
            # references that way); it only ever *returns* them as strings.
            return errors
        if types is not None:
            allowed = [types] if isinstance(types, str) else list(types)
            if not any((t in _JSON_TYPE_NAMES and is_json_type(value, t)) for t in allowed):
                return [f"{at}: expected {'/'.join(allowed)}, got {type(value).__name__}"]
        if "enum" in schema and value not in schema["enum"]:
            errors.append(f"{at}: {value!r} is not one of {schema['enum']}")
        if "const" in schema and value != schema["const"]:
            errors.append(f"{at}: must be {schema['const']!r}")
        if isinstance(value, str):
            errors += _string_errors(value, schema, at)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                errors.append(f"{at}: {value} is below {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                errors.append(f"{at}: {value} is above {schema['maximum']}")
        elif isinstance(value, list):
            errors += self._array_errors(value, schema, at)
        elif isinstance(value, dict):
            errors += self._object_errors(value, schema, at, siblings)
        return errors

    def _array_errors(self, value: list[Any], schema: dict[str, Any], at: str) -> list[str]:
        errors: list[str] = []
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{at}: {len(value)} items, at most {schema['maxItems']} allowed")
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{at}: {len(value)} items, at least {schema['minItems']} needed")
        if schema.get("uniqueItems"):
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                errors.append(f"{at}: items must be unique")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += self.validate(item, schema["items"], f"{at}[{i}]")
        return errors

    def _object_errors(
        self, value: dict[str, Any], schema: dict[str, Any], at: str, siblings: frozenset[str]
    ) -> list[str]:
        errors: list[str] = []
        props: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                errors += self.validate(item, props[key], f"{at}.{key}")
            elif isinstance(extra, dict):
                errors += self.validate(item, extra, f"{at}.{key}")
            elif key in siblings:
                continue  # checked by the allOf part that defines it
            elif props or extra is False:
                errors.append(f"{at}: unknown field {key!r}")
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{at}: missing required field {key!r}")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append(f"{at}: more than {schema['maxProperties']} properties")
        return errors


# -- helpers ----------------------------------------------------------------------------------


def _lookup(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _string_errors(value: str, schema: dict[str, Any], at: str) -> list[str]:
    errors: list[str] = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{at}: {len(value)} characters, at most {schema['maxLength']} allowed")
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append(f"{at}: {len(value)} characters, at least {schema['minLength']} needed")
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        errors.append(f"{at}: {value!r} does not match {schema['pattern']}")
    return errors


_QUERY_BOOLEANS = {
    "true": True,
    "True": True,
    "1": True,
    "false": False,
    "False": False,
    "0": False,
}


def _query_value(raw: str, schema: dict[str, Any]) -> Any:
    """Query strings are text; compare them as the JSON value they stand for. Discord reads
    true/True/1 and false/False/0 as booleans (API reference, "Boolean Query Strings")."""
    types = schema.get("type")
    allowed = [types] if isinstance(types, str) else list(types or [])
    if "boolean" in allowed and raw in _QUERY_BOOLEANS:
        return _QUERY_BOOLEANS[raw]
    if ("integer" in allowed or "number" in allowed) and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


def _message_like(op: Operation, body: Any) -> list[dict[str, Any]]:
    """The parts of a body that become a visible message."""
    if not isinstance(body, dict):
        return []
    if op.template.endswith("/callback"):
        data = body.get("data")
        return [data] if isinstance(data, dict) else []
    return [body]


def _documented_limits(op: Operation, body: Any) -> list[str]:
    errors: list[str] = []
    for msg in _message_like(op, body):
        content = msg.get("content")
        if isinstance(content, str) and len(content) > CONTENT_LIMIT:
            errors.append(f"content: {len(content)} characters, bots may send {CONTENT_LIMIT}")
        embeds = msg.get("embeds")
        if isinstance(embeds, list):
            total = sum(embed_length(e) for e in embeds if isinstance(e, dict))
            if total > EMBEDS_TOTAL_LIMIT:
                errors.append(f"embeds: {total} characters in all, at most {EMBEDS_TOTAL_LIMIT}")
        for row in msg.get("components") or []:
            for comp in row.get("components", []) if isinstance(row, dict) else []:
                if comp.get("type") == 2 and comp.get("style") != 5 and not comp.get("custom_id"):
                    errors.append("components: a non-link button needs a custom_id")
                if comp.get("type") == 2 and not (comp.get("label") or comp.get("emoji")):
                    errors.append("components: a button needs a label or an emoji")
    return errors


def embed_length(embed: dict[str, Any]) -> int:
    """Discord's count toward the 6000 limit: title, description, field names and values,
    footer text and author name."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total
