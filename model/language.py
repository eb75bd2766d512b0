"""Is a text English? regsec is trained on English only; other languages are flagged and
get no labels rather than confident English ones."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")
_FUNCTION_WORDS = frozenset("the of and to in a is that for on with as by was said it at from has have be are its his".split())
MIN_LETTERS = 40  # shorter texts are too short to judge: treated as English


def looks_english(text: str) -> bool:
    """True unless the letters are mostly non-Latin, or a long Latin-script text has almost
    none of English's commonest words."""
    letters = [c for c in text[:20000] if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return True
    latin = sum("a" <= c.lower() <= "z" for c in letters) / len(letters)
    if latin < 0.6:
        return False
    words = _WORD.findall(text[:20000].lower())
    return len(words) < 30 or sum(w in _FUNCTION_WORDS for w in words) / len(words) >= 0.08
