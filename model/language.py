"""Is a text English? regsec is trained on English only; other languages are flagged and
get no labels rather than confident English ones."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_LATIN_LETTER = re.compile(r"[^A-Za-z]+")
# English's commonest words: their share tells English text apart (looks_english); they say
# nothing about a topic, so the vocabulary check (features.known_word_share) skips them.
FUNCTION_WORDS = frozenset("the of and to in a is that for on with as by was said it at from has have be are its his".split())
_FUNCTION_WORDS = re.compile(r"\b(?:" + "|".join(sorted(FUNCTION_WORDS)) + r")\b")
MIN_LETTERS = 40  # shorter texts are too short to judge: treated as English


def looks_english(text: str) -> bool:
    """True unless the letters are mostly non-Latin, or a long Latin-script text has almost
    none of English's commonest words."""
    head = text[:20000]
    letters = len(_NOT_LETTER.sub("", head))
    if letters < MIN_LETTERS:
        return True
    if len(_NOT_LATIN_LETTER.sub("", head)) / letters < 0.6:
        return False
    lowered = head.lower()
    words = len(_WORD.findall(lowered))
    return words < 30 or len(_FUNCTION_WORDS.findall(lowered)) / words >= 0.08
