"""A new platform joins the behaviour suite: adding it to PLATFORMS without a driver fails."""

from __future__ import annotations

from bot.platforms import PLATFORMS
from tests.behaviour.drivers import DRIVERS


def test_every_platform_has_a_driver() -> None:
    assert set(PLATFORMS) <= set(DRIVERS)
    variants = set(DRIVERS) - set(PLATFORMS)
    assert all(name.partition("-")[0] in PLATFORMS for name in variants), variants
