"""Kilograms and pounds: the one place loads are converted and written as numbers.

Loads are stored in kilograms; the person's unit is only for input and display.
"""

from __future__ import annotations

KG_PER_LB = 0.45359237


def to_kg(load: float, unit: str) -> float:
    """A load typed in `unit`, in kilograms (3 decimals: 1 g is about 0.002 lb)."""
    return round(load * KG_PER_LB, 3) if unit == "lb" else load


def from_kg(kg: float, units: str) -> float:
    """A stored load in the person's unit, unrounded."""
    return kg / KG_PER_LB if units == "lb" else kg


def number(value: float, places: int = 2) -> str:
    """`16`, `16.5`, `16.25`: no trailing zeros."""
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def fmt_load(kg: float, units: str) -> str:
    """A load as a person would load it: kg to the quarter, lb to the half."""
    if units == "lb":
        return f"{number(round(from_kg(kg, 'lb') * 2) / 2)} lb"
    return f"{number(round(kg * 4) / 4)} kg"
