"""Counters for the HTTP endpoint, and their Prometheus text rendering.

`Metrics` is deliberately tiny and neutral: adapters and the app call `inc(name, **labels)`
without knowing about Prometheus; the endpoint renders a snapshot at scrape time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Monotonic counters keyed by name and labels (single event loop: no locking needed)."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[Labels, float]] = defaultdict(dict)

    def inc(self, name: str, amount: float = 1, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        series = self._counts[name]
        series[key] = series.get(key, 0) + amount

    def value(self, name: str, **labels: str) -> float:
        return self._counts.get(name, {}).get(tuple(sorted(labels.items())), 0)

    def series(self, name: str) -> dict[Labels, float]:
        return dict(self._counts.get(name, {}))


@dataclass(slots=True)
class Family:
    """One metric family as Prometheus shows it: `# HELP`, `# TYPE`, then its samples."""

    name: str  # counters end in _total: the 0.0.4 text format names them so in TYPE too
    kind: str  # "counter" | "gauge"
    help: str
    samples: dict[Labels, float] = field(default_factory=dict)


def render(families: list[Family]) -> str:
    """Prometheus text exposition format 0.0.4."""
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in sorted(family.samples.items()):
            lines.append(f"{family.name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels)
    return "{" + inner + "}"


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
