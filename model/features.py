"""Text -> features. Training fits scikit-learn's TfidfVectorizer (`make_vectorizer`);
prediction uses `TfidfFeatures`, the same transform in plain numpy, so that loading and
running a model never imports scikit-learn (a one-article CLI call stays fast)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.language import FUNCTION_WORDS

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# Words of two or more Unicode word characters; also understood by ONNX's tokenizer (PEERS.md).
TOKEN_PATTERN = r"[\w]{2,}"
_TOKEN = re.compile(TOKEN_PATTERN)
_WORD = re.compile(r"[^\W\d_]{2,}")


def make_vectorizer(*, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, max_df: float = 0.9) -> TfidfVectorizer:
    """Word n-gram TF-IDF with sublinear term frequency and l2-normalized rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        ngram_range=ngram_range,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        dtype=np.float32,
    )


@dataclass
class SparseRow:
    """The non-zero features of one document."""

    indices: np.ndarray
    values: np.ndarray


@dataclass
class TfidfFeatures:
    """A fitted TfidfVectorizer's transform: vocabulary, idf weights and n-gram range."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    ngram_range: tuple[int, int]

    @classmethod
    def from_vectorizer(cls, vectorizer: TfidfVectorizer) -> TfidfFeatures:
        """Copy what a fitted vectorizer learned (in the configuration `make_vectorizer` makes)."""
        vocabulary = {term: int(i) for term, i in sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])}
        return cls(vocabulary, vectorizer.idf_.astype(np.float64), tuple(vectorizer.ngram_range))

    def __getstate__(self) -> dict:
        # The vocabulary pickles as one string in index order: loads several times faster than a dict.
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {"terms": "\n".join(terms), "idf": self.idf, "ngram_range": self.ngram_range}

    def __setstate__(self, state: dict) -> None:
        terms = state["terms"].split("\n") if state["terms"] else []
        self.vocabulary = dict(zip(terms, range(len(terms))))
        self.idf = state["idf"]
        self.ngram_range = tuple(state["ngram_range"])

    def terms(self, text: str) -> Iterator[str]:
        """Word n-grams of `text`, as TfidfVectorizer's word analyzer makes them."""
        tokens = _TOKEN.findall(text.lower())
        low, high = self.ngram_range
        for n in range(low, high + 1):
            yield from tokens if n == 1 else map(" ".join, zip(*(tokens[k:] for k in range(n))))

    def transform_one(self, text: str) -> SparseRow:
        """Sublinear tf times idf, l2-normalized, over the vocabulary's terms."""
        indices = [i for i in map(self.vocabulary.get, self.terms(text)) if i is not None]
        if not indices:
            return SparseRow(np.zeros(0, dtype=np.int64), np.zeros(0))
        tally: dict[int, int] = {}
        for i in indices:
            tally[i] = tally.get(i, 0) + 1
        unique = np.fromiter(tally.keys(), dtype=np.int64, count=len(tally))
        counts = np.fromiter(tally.values(), dtype=np.float64, count=len(tally))
        values = (np.log(counts) + 1.0) * self.idf[unique]
        return SparseRow(unique, values / np.linalg.norm(values))

    def known_word_share(self, text: str) -> float:
        """Share of the text's words (letters only, two or more, English function words left out:
        TF-IDF's max_df drops them from the vocabulary) that are in the vocabulary: low for text
        unlike the training data (1.0 for a text with no such words)."""
        words = [w for w in _WORD.findall(text.lower()) if w not in FUNCTION_WORDS]
        return sum(word in self.vocabulary for word in words) / len(words) if words else 1.0

    def transform(self, texts: Sequence[str]) -> list[SparseRow]:
        """One SparseRow per text."""
        return [self.transform_one(t) for t in texts]
