"""Shared by the benchmarks: percentiles and refreshing one section of docs/benchmarks.md."""

from __future__ import annotations

import platform
import re
import statistics
from datetime import UTC, datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the benchmark named in it; rerun that command to refresh it.\n"
    "All traffic stays on 127.0.0.1.\n"
)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"


def write_report(key: str, title: str, *blocks: str | list[str], footer: str = "") -> None:
    """One section: a heading, paragraphs (a list is a block of lines, e.g. a table), then
    `footer` with the machine and the date."""
    parts = [f"## {title}", *("\n".join(b) if isinstance(b, list) else b for b in blocks)]
    parts.append(f"{footer}{machine()}; {datetime.now(UTC):%Y-%m-%d}.")
    write_section(key, "\n\n".join(parts))


def write_section(key: str, body: str, path: Path = DOCS) -> None:
    """Replace the text between <!-- key:start --> and <!-- key:end -->, or append it."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
