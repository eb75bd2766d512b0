"""Sentence segmentation for news text: splits after . ! ? (and a closing quote) before an
upper-case start, but not after abbreviations ("U.S.", "Gen.", "Jan.") or initials."""

from __future__ import annotations

import re
from collections.abc import Sequence

from model.tokens import tokenize

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "rep", "sen", "gov",
    "pres", "st", "jr", "sr", "no", "vs", "etc", "inc", "ltd", "co", "corp", "dept", "est", "approx", "fig",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "e.u",
    "d.c", "p.m", "a.m", "i.e", "e.g",
}
# A candidate boundary: sentence-final punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"([.!?…]+[\"”’')\]]*)\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, each stripped; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            end = match.end(1)
            if _is_abbreviation(paragraph[start:end]):
                continue
            sentences.append(paragraph[start:end].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return [s for s in sentences if s]


def _is_abbreviation(chunk: str) -> bool:
    """True when `chunk` ends in an abbreviation or a single initial rather than a sentence."""
    if not chunk.endswith("."):
        return False
    words = chunk.rstrip(".").rsplit(None, 1)
    word = words[-1].strip("\"“‘(").lower() if words else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentence_tokens(text: str) -> list[list[str]]:
    """The tokens (`model.features.tokenize`) of each sentence. Sentences end only at
    whitespace, so joined they are the tokens of the whole text."""
    return [tokenize(sentence) for sentence in split_sentences(text)]


SENTENCE_STANCES = ("support", "oppose", "none")  # what a sentence says of the target, as sentence classifiers learn it


def evidence_stances(sentences: list[str], voices: Sequence[dict]) -> list[str | None]:
    """Per sentence of an article, the stance of the gold voice whose evidence it is part of
    (or contains), else None: how sentence classifiers learn from document labels."""
    evidence = {v["evidence"].strip(): v["stance"] for v in voices}
    return [next((stance for e, stance in evidence.items() if sentence in e or e in sentence), None) for sentence in sentences]
