"""Actor recognition: find the countries, capitals, leaders, ministries, state media, parties
and groups named in a sentence (lexicon in `lexicon/actors.tsv`) and resolve each to an
actor code and a role (`lexicon/roles.tsv` words nearby decide opposition or public)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicon"
ROLE_PRIORITY = ("opposition", "public", "government")
ROLE_WINDOW = 5  # words either side of a name searched for role words
_CLAUSE_BREAK = re.compile(r"[,;:“”\"()]")
_TITLE_WORDS = re.compile(r"(?:\s+(?:[A-Z][\w.-]*|spokesman|spokeswoman|spokesperson))*\s+")


@dataclass(frozen=True)
class Mention:
    """An actor named in a sentence: where (character span), who and in which role."""

    start: int
    end: int
    actor: str
    role: str


def _read_tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (LEXICON_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def _lexicon() -> tuple[re.Pattern[str], dict[str, tuple[str, str]], list[tuple[str, re.Pattern[str]]], re.Pattern[str]]:
    names = {phrase: (actor, role) for phrase, actor, role in _read_tsv("actors.tsv")}
    # The longest name that fits wins ("South Korean" over "South Korea"): see `phrase_alternation`.
    # The lookahead on the names' first letters lets the engine skip most positions quickly.
    first_letters = "".join(sorted({re.escape(phrase[0]) for phrase in names}))
    name_pattern = re.compile(rf"(?=[{first_letters}])(?<![\w.])({phrase_alternation(names)})(?:['’]s)?(?![\w])")
    words: dict[str, list[str]] = {role: [] for role in ROLE_PRIORITY}
    for phrase, role in _read_tsv("roles.tsv"):
        words[role].append(phrase.lower())
    # One pattern per role, tried in priority order.
    roles = [(role, re.compile(rf"\b(?:{phrase_alternation(words[role])})\b", re.IGNORECASE)) for role in ROLE_PRIORITY]
    # Every role word at once: most windows have none, and one search tells (it finds a match
    # wherever any role's pattern would).
    any_role = re.compile(rf"\b(?:{phrase_alternation(w for role in ROLE_PRIORITY for w in words[role])})\b", re.IGNORECASE)
    return name_pattern, names, roles, any_role


def phrase_alternation(phrases: Iterable[str]) -> str:
    """A regular expression matching any of `phrases`, written as a prefix tree ("South
    Korea(?:n)?") so that matching does not try hundreds of alternatives one by one. Longer
    continuations are tried first: it prefers the longest phrase, as a longest-first list would."""
    tree: dict = {}
    for phrase in phrases:
        node = tree
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else "(?:" + "|".join(branches) + ")?"

    return pattern(tree)


def find_mentions(sentence: str) -> list[Mention]:
    """Actors named in `sentence`, in order of appearance."""
    name_pattern, names, roles, any_role = _lexicon()
    mentions = []
    for match in name_pattern.finditer(sentence):
        actor, role = names[match.group(1)]
        if role != "any" and mentions and _is_title_of(sentence, mentions[-1], match.start(), actor):
            mentions.pop()  # "Japanese Foreign Minister Fumio Kishida" names one actor, Kishida
        # After a named official or body only the next word can recast it ("PLA expert"); what
        # follows further on is what it did ("Kishida told public broadcaster NHK").
        cue = _role_nearby(sentence, match.start(), match.end(), roles, any_role, words_after=ROLE_WINDOW if role == "any" else 1)
        if role == "any":
            role = cue or "government"
        elif cue in ("opposition", "public"):
            role = cue
        mentions.append(Mention(match.start(), match.end(), actor, role))
    return mentions


def _is_title_of(sentence: str, previous: Mention, start: int, actor: str) -> bool:
    """Whether `previous` is a country word in the title of the official named at `start`: the same
    actor, with only title words between ("Japanese Foreign Minister", "Chinese Premier")."""
    return previous.actor == actor and bool(_TITLE_WORDS.fullmatch(sentence[previous.end : start]))  # needs 1+ spaces between


def _role_nearby(
    sentence: str, start: int, end: int, roles: list[tuple[str, re.Pattern[str]]], any_role: re.Pattern[str], words_after: int = ROLE_WINDOW
) -> str | None:
    """The highest-priority role word within ROLE_WINDOW words before the span or `words_after`
    words after it, in the same clause."""
    before = _CLAUSE_BREAK.split(sentence[max(0, start - 120) : start])[-1].split()[-ROLE_WINDOW:]
    after = _CLAUSE_BREAK.split(sentence[end : end + 120], maxsplit=1)[0].split()[:words_after]
    window = " ".join(before + after)
    if not any_role.search(window):
        return None
    return next((role for role, pattern in roles if pattern.search(window)), None)
