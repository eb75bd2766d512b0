"""The label standard (LABELS.md) as constants: topics, stances, voice roles and actors."""

from __future__ import annotations

import re

TOPICS: tuple[str, ...] = (
    "nuclear_missile",
    "missile_defense",
    "alliance_cooperation",
    "military_activity",
    "diplomacy",
    "sanctions",
    "territorial_dispute",
    "domestic_politics",
    "history_memory",
    "cyber",
)
STANCES: tuple[str, ...] = ("support", "oppose", "neutral")
VOICE_STANCES: tuple[str, ...] = ("support", "oppose")
ROLES: tuple[str, ...] = ("government", "opposition", "public")
ORGANIZATIONS: tuple[str, ...] = ("UN", "NATO", "ASEAN", "EU")

_ALPHA3 = re.compile(r"^[A-Z]{3}$")


def is_actor(code: object) -> bool:
    """True for an ISO 3166 alpha-3 country code or one of the organizations the guide names."""
    return isinstance(code, str) and (code in ORGANIZATIONS or bool(_ALPHA3.match(code)))
