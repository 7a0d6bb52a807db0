"""Reading a timezone the way people type one: "Europe/Berlin", "berlin", "new york", "cet",
"pst", "UTC+2", "Berln". Pure: text in, an IANA zone name (and whether it was exact) out.

Only real IANA zones come out (never "localtime", "Factory" or "posixrules"). An exact IANA
name (any case) is taken as typed; anything else is a guess the caller confirms with the
person ("Europe/Berlin, it's 07:12 there now?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

# Not places on earth: the host's own zone (different on every server), tzdata's placeholder,
# and the posix/ and right/ copies of the zones.
_NOT_ZONES = frozenset({"localtime", "factory", "posixrules"})
_COPIES = ("posix/", "right/")
# Places, but not what to suggest: offsets and legacy links (still taken when typed exactly).
_NOT_PLACES = ("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/")

# Abbreviations people write, read as the zone most people mean by them (DST-aware zones, so
# "cet" in summer is still right).
ABBREVIATIONS: dict[str, str] = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC",
    "bst": "Europe/London", "wet": "Europe/Lisbon", "west": "Europe/Lisbon",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "hst": "Pacific/Honolulu",
    "ist": "Asia/Kolkata", "pkt": "Asia/Karachi", "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong", "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
    "awst": "Australia/Perth", "acst": "Australia/Adelaide",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
    "sast": "Africa/Johannesburg", "cat": "Africa/Maputo", "eat": "Africa/Nairobi",
    "wat": "Africa/Lagos",
}  # fmt: skip

# Cities (and a few regions) that are not themselves in a zone's name.
CITIES: dict[str, str] = {
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "cologne": "Europe/Berlin", "germany": "Europe/Berlin",
    "manchester": "Europe/London", "edinburgh": "Europe/London", "glasgow": "Europe/London",
    "birmingham": "Europe/London", "uk": "Europe/London", "england": "Europe/London",
    "barcelona": "Europe/Madrid", "valencia": "Europe/Madrid", "seville": "Europe/Madrid",
    "milan": "Europe/Rome", "naples": "Europe/Rome", "florence": "Europe/Rome",
    "lyon": "Europe/Paris", "marseille": "Europe/Paris", "france": "Europe/Paris",
    "geneva": "Europe/Zurich", "basel": "Europe/Zurich", "krakow": "Europe/Warsaw",
    "porto": "Europe/Lisbon", "rotterdam": "Europe/Amsterdam", "antwerp": "Europe/Brussels",
    "gothenburg": "Europe/Stockholm", "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow", "kiev": "Europe/Kyiv",
    "new york city": "America/New_York", "nyc": "America/New_York",
    "boston": "America/New_York", "washington": "America/New_York",
    "philadelphia": "America/New_York", "miami": "America/New_York",
    "atlanta": "America/New_York", "dallas": "America/Chicago", "houston": "America/Chicago",
    "austin": "America/Chicago", "minneapolis": "America/Chicago",
    "salt lake city": "America/Denver", "las vegas": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles", "sf": "America/Los_Angeles",
    "la": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "portland": "America/Los_Angeles", "san diego": "America/Los_Angeles",
    "montreal": "America/Toronto", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
    "hawaii": "Pacific/Honolulu", "alaska": "America/Anchorage",
    "rio": "America/Sao_Paulo", "rio de janeiro": "America/Sao_Paulo",
    "buenos aires": "America/Argentina/Buenos_Aires",
    "beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "china": "Asia/Shanghai",
    "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "india": "Asia/Kolkata",
    "osaka": "Asia/Tokyo", "kyoto": "Asia/Tokyo", "japan": "Asia/Tokyo",
    "abu dhabi": "Asia/Dubai", "tel aviv": "Asia/Jerusalem", "cape town": "Africa/Johannesburg",
    "canberra": "Australia/Sydney", "wellington": "Pacific/Auckland",
    "pago pago": "Pacific/Pago_Pago", "kiritimati": "Pacific/Kiritimati",
    # the US zones by their everyday names ("eastern" is not Easter Island)
    "eastern": "America/New_York", "us eastern": "America/New_York",
    "central": "America/Chicago", "us central": "America/Chicago",
    "mountain": "America/Denver", "us mountain": "America/Denver",
    "pacific": "America/Los_Angeles", "us pacific": "America/Los_Angeles",
    "brazil": "America/Sao_Paulo", "brasil": "America/Sao_Paulo", "spain": "Europe/Madrid",
    "italy": "Europe/Rome", "netherlands": "Europe/Amsterdam", "holland": "Europe/Amsterdam",
}  # fmt: skip
# Words around a zone's name that don't change it: "pacific time", "tokyo japan time".
_ZONE_FILLER = frozenset({"time", "timezone", "zone", "standard", "daylight", "summer"})

_OFFSET = re.compile(r"^(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?00)?$")
FUZZY_CUTOFF = 75  # similarity out of 100; below it a guess is more often wrong than right


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    zone: str  # an IANA name
    exact: bool  # typed as the IANA name itself: no need to ask


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[_\-./,]+", " ", text.lower()).split())


@cache
def iana_zones() -> frozenset[str]:
    """Every IANA zone this machine knows, as typed names it accepts exactly."""
    return frozenset(
        z
        for z in available_timezones()
        if z.lower() not in _NOT_ZONES and not z.lower().startswith(_COPIES)
    )


@cache
def _by_lower_name() -> dict[str, str]:
    return {z.lower(): z for z in iana_zones()}


@cache
def places() -> tuple[str, ...]:
    """The zones to suggest: region/city names (no legacy links or Etc/ offsets), and UTC."""
    return tuple(sorted(z for z in iana_zones() if "/" in z and not z.startswith(_NOT_PLACES)))


@cache
def _names() -> dict[str, str]:
    """Normalised name -> zone: every place's full name and its city, then the aliases."""
    names: dict[str, str] = {"utc": "UTC"}
    for zone in places():
        names.setdefault(_norm(zone), zone)
        names.setdefault(_norm(zone.rsplit("/", 1)[1]), zone)
    known = iana_zones()
    for alias, zone in (CITIES | ABBREVIATIONS).items():
        if zone in known:
            names[alias] = zone
    return names


def match(text: str) -> ZoneMatch | None:
    """The zone `text` names, or the best guess; None when nothing is close enough."""
    typed = text.strip()
    if not typed or len(typed) > 64 or typed.lower() in _NOT_ZONES:
        return None
    exact = _by_lower_name().get(typed.replace(" ", "_").lower())
    if exact is not None and (exact in places() or exact == "UTC"):
        return ZoneMatch(exact, exact=True)
    offset = _OFFSET.match(typed.lower().replace(" ", ""))
    if offset:
        return _offset_zone(offset.group(1), int(offset.group(2)))
    key = " ".join(w for w in _norm(typed).split() if w not in _ZONE_FILLER) or _norm(typed)
    names = _names()
    if key in names:  # a city or an abbreviation ("cet" means Berlin, not legacy "CET")
        return ZoneMatch(names[key], exact=False)
    words = key.split()
    for n in range(len(words) - 1, 0, -1):  # "tokyo japan": the city, then its country
        if " ".join(words[:n]) in names:
            return ZoneMatch(names[" ".join(words[:n])], exact=False)
    if exact is not None:  # a legacy name such as "US/Eastern" is still a real zone
        return ZoneMatch(exact, exact=True)
    if len(key) < 4:  # "xyz": too short to guess from
        return None
    found = process.extractOne(key, names.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return ZoneMatch(names[found[0]], exact=False) if found else None


def _offset_zone(sign: str, hours: int) -> ZoneMatch | None:
    """ "UTC+2" is Etc/GMT-2 (the database's POSIX-style signs are inverted)."""
    if hours == 0:
        return ZoneMatch("UTC", exact=False)
    zone = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return ZoneMatch(zone, exact=False) if zone in iana_zones() else None


def suggest(prefix: str, limit: int = 25) -> list[str]:
    """Zones for an autocomplete box: exact prefixes first, then close matches of cities."""
    key = _norm(prefix)
    if not key:
        return list(places()[:limit])
    names = _names()
    found: list[str] = []

    def add(zone: str) -> None:
        if zone not in found:
            found.append(zone)

    for name, zone in names.items():
        if name.startswith(key):
            add(zone)
    if len(found) < limit:  # typos: close matches after the prefixes
        close = process.extract(key, names.keys(), scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        for name, _score, _index in close:
            add(names[name])
    return found[:limit]
