"""Is a text English? regsec is trained on English only; other languages are flagged and
get no labels rather than confident English ones."""

from __future__ import annotations

from collections.abc import Sequence

# English's commonest words: their share tells English text apart (looks_english); they say
# nothing about a topic, so the vocabulary check (features.known_word_share) skips them.
FUNCTION_WORDS = frozenset("the of and to in is that for on with as by was said it at from has have be are its his".split())
MIN_LETTERS = 40  # shorter texts are too short to judge: treated as English
HEAD_TOKENS = 4000  # a long text is judged by its first words


def looks_english(tokens: Sequence[str]) -> bool:
    """True unless a text's tokens (`model.features.tokenize`) are mostly non-Latin script, or
    a long Latin-script text has almost none of English's commonest words."""
    head = tokens[:HEAD_TOKENS]
    characters = "".join(head)
    if len(characters) < MIN_LETTERS:
        return True
    if len(characters.encode("ascii", "ignore")) / len(characters) < 0.6:
        return False
    return len(head) < 30 or sum(map(FUNCTION_WORDS.__contains__, head)) / len(head) >= 0.08
