"""Text -> features. Training fits scikit-learn's TfidfVectorizer (`make_vectorizer`);
prediction uses `TfidfFeatures`, the same transform in plain numpy, so that loading and
running a model never imports scikit-learn (a one-article CLI call stays fast)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np

from model.language import FUNCTION_WORDS

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# Words of two or more Unicode word characters; also understood by ONNX's tokenizer (PEERS.md).
TOKEN_PATTERN = r"[\w]{2,}"
_TOKEN = re.compile(TOKEN_PATTERN)


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


def tokenize(text: str) -> list[str]:
    """The lower-cased words TfidfVectorizer's analyzer reads in `text`."""
    return _TOKEN.findall(text.lower())


@dataclass
class SparseRows:
    """The non-zero features of several documents, as a CSR matrix stores them: row i has
    columns indices[indptr[i]:indptr[i + 1]] with the matching values."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def to_dense(self, n_features: int) -> np.ndarray:
        """(documents, n_features) array, for tests and small inputs."""
        out = np.zeros((len(self), n_features))
        out[np.repeat(np.arange(len(self)), np.diff(self.indptr)), self.indices] = self.values
        return out

    def row_sums(self, per_entry: np.ndarray) -> np.ndarray:
        """Sum of `per_entry` (one value or row per stored entry) over each document's entries."""
        out = np.zeros((len(self), *per_entry.shape[1:]))
        starts, ends = self.indptr[:-1], self.indptr[1:]
        filled = ends > starts
        if filled.any():
            out[filled] = np.add.reduceat(per_entry, starts[filled], axis=0)
        return out


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

    def terms(self, tokens: list[str]) -> Iterable[str]:
        """Word n-grams of a token list, in the order TfidfVectorizer's word analyzer makes them."""
        low, high = self.ngram_range
        return chain.from_iterable(tokens if n == 1 else map(" ".join, zip(*(tokens[k:] for k in range(n)))) for n in range(low, high + 1))

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """Sublinear tf times idf, l2-normalized rows, over the vocabulary's terms."""
        return self.transform_tokens([tokenize(t) for t in texts])

    def transform_tokens(self, documents: Sequence[list[str]]) -> SparseRows:
        """`transform` for documents already tokenized by `tokenize`. Vocabulary lookups are the
        only per-word Python work; counting and weighting run over the whole batch in numpy."""
        lookup = self.vocabulary.get
        ids: list[int] = []
        lengths = np.zeros(len(documents), dtype=np.int64)
        for i, tokens in enumerate(documents):
            before = len(ids)
            ids.extend(map(lookup, self.terms(tokens), repeat(-1)))
            lengths[i] = len(ids) - before
        term = np.fromiter(ids, dtype=np.int64, count=len(ids))
        doc = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        known = term >= 0
        # One key per (document, term): sorting them counts each term and orders the rows.
        keys, counts = np.unique(doc[known] * len(self.idf) + term[known], return_counts=True)
        rows, columns = np.divmod(keys, len(self.idf))
        indptr = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(documents)), out=indptr[1:])
        values = (np.log(counts) + 1.0) * self.idf[columns]
        sparse = SparseRows(indptr, columns, values)
        norms = np.sqrt(sparse.row_sums(values * values))
        sparse.values = values / np.repeat(norms, np.diff(indptr))
        return sparse

    def known_word_share(self, tokens: list[str]) -> float:
        """Share of a document's words (letters-only tokens, English function words left out:
        TF-IDF's max_df drops them from the vocabulary) that are in the vocabulary: low for text
        unlike the training data (1.0 for a text with no such words)."""
        words = [w for w in tokens if w.isalpha() and w not in FUNCTION_WORDS]
        return sum(word in self.vocabulary for word in words) / len(words) if words else 1.0
