"""Text -> features. Training fits scikit-learn's TfidfVectorizer (`make_vectorizer`);
prediction uses `TfidfFeatures`, the same transform in plain numpy, so that loading and
running a model never imports scikit-learn (a one-article CLI call stays fast)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.hash_table import IntHashTable
from model.language import FUNCTION_WORDS
from model.tokens import TOKEN_PATTERN, TokenBatch, WordIndex, span_positions, tokenize

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer



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


class TfidfFeatures:
    """A fitted TfidfVectorizer's transform: vocabulary, idf weights and n-gram range. Terms are
    looked up by word ids (`model.tokens.WordIndex`): a unigram by its id, an n-gram by its
    words' ids combined into one integer key, found in a hash table (`model.hash_table`)."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, ngram_range: tuple[int, int], words: WordIndex | None = None) -> None:
        self._vocabulary: dict[str, int] | None = vocabulary
        self._terms = ""
        self.idf = idf
        self.ngram_range = tuple(ngram_range)
        self.use_words(words or WordIndex(self.words()))

    @classmethod
    def from_vectorizer(cls, vectorizer: TfidfVectorizer) -> TfidfFeatures:
        """Copy what a fitted vectorizer learned (in the configuration `make_vectorizer` makes)."""
        vocabulary = {term: int(i) for term, i in sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])}
        return cls(vocabulary, vectorizer.idf_.astype(np.float64), tuple(vectorizer.ngram_range))

    def words(self) -> set[str]:
        """Every word of every term."""
        return {word for term in self.vocabulary for word in term.split(" ")}

    def use_words(self, words: WordIndex) -> None:
        """Look terms up by ids of `words`, which must hold every word of every term (one index
        can serve several feature spaces: a batch's tokens are then looked up once)."""
        self.word_index = words
        self.unigram_columns = np.full(len(words) + 1, -1, dtype=np.int64)  # [-1]: a word the index lacks
        keys: dict[int, list[tuple[int, int]]] = {}
        for term, column in self.vocabulary.items():
            parts = term.split(" ")
            if len(parts) == 1:
                self.unigram_columns[words.ids[term]] = column
            else:
                keys.setdefault(len(parts), []).append((_ngram_key([words.ids[p] for p in parts], len(words)), column))
        if len(words) ** max(keys, default=1) >= 2**62:
            raise ValueError(f"{len(words)} words are too many for {max(keys)}-gram keys")
        # Per n > 1: the n-grams' keys -> their columns.
        self.ngram_tables = {n: IntHashTable(*np.array(pairs, dtype=np.int64).reshape(-1, 2).T) for n, pairs in sorted(keys.items())}

    @property
    def vocabulary(self) -> dict[str, int]:
        """Term -> column. A loaded model rebuilds it only when asked (export, tests): prediction reads the id tables."""
        if self._vocabulary is None:
            terms = self._terms.split("\n") if self._terms else []
            self._vocabulary = dict(zip(terms, range(len(terms))))
        return self._vocabulary

    def __getstate__(self) -> dict:
        # The vocabulary pickles as one string in column order: loads several times faster than a dict.
        terms = "\n".join(sorted(self.vocabulary, key=self.vocabulary.__getitem__))
        return {**self.__dict__, "_vocabulary": None, "_terms": terms}

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """Sublinear tf times idf, l2-normalized rows, over the vocabulary's terms."""
        return self.transform_tokens([tokenize(t) for t in texts])

    def transform_tokens(self, documents: Sequence[list[str]]) -> SparseRows:
        """`transform` for documents already tokenized by `tokenize`."""
        return self.transform_articles(TokenBatch.from_documents(documents))

    def transform_articles(self, batch: TokenBatch) -> SparseRows:
        """One row per article of the batch."""
        return self.transform_spans(batch.ids(self.word_index), *batch.article_spans())

    def transform_sentences(self, batch: TokenBatch, which: np.ndarray | None = None) -> SparseRows:
        """One row per sentence of the batch (or per sentence numbered in `which`)."""
        return self.transform_spans(batch.ids(self.word_index), *batch.sentence_spans(which))

    def transform_spans(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> SparseRows:
        """One row per span ids[start:end] of word ids (this feature space's `word_index`). No
        per-word Python work: lookups, counting and weighting run over the whole batch in numpy."""
        position, doc = span_positions(starts, ends)
        ids = ids[position]
        low, high = self.ngram_range
        found_docs, found_columns = [], []
        if low <= 1:
            columns = self.unigram_columns[ids]
            known = columns >= 0
            found_docs.append(doc[known])
            found_columns.append(columns[known])
        for n, table in self.ngram_tables.items():
            if not low <= n <= high or len(ids) < n:
                continue
            starts_here = len(ids) - n + 1
            in_one_doc, key = doc[:starts_here] == doc[n - 1 :], np.zeros(starts_here, dtype=np.int64)
            for k in range(n):
                part = ids[k : k + starts_here]
                in_one_doc &= part >= 0
                key = key * len(self.word_index) + part
            columns = table.get(key[in_one_doc])
            hit = columns >= 0
            found_docs.append(doc[:starts_here][in_one_doc][hit])
            found_columns.append(columns[hit])
        return self._weighted(len(starts), np.concatenate(found_docs or [np.zeros(0, np.int64)]), np.concatenate(found_columns or [np.zeros(0, np.int64)]))

    def _weighted(self, n_docs: int, doc: np.ndarray, term: np.ndarray) -> SparseRows:
        """Rows of sublinear tf-idf, l2-normalized, from every (document, term) occurrence."""
        # One key per (document, term): sorting them counts each term and orders the rows.
        keys, counts = np.unique(doc * len(self.idf) + term, return_counts=True)
        rows, columns = np.divmod(keys, len(self.idf))
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
        values = (np.log(counts) + 1.0) * self.idf[columns]
        sparse = SparseRows(indptr, columns, values)
        norms = np.sqrt(sparse.row_sums(values * values))
        sparse.values = values / np.repeat(norms, np.diff(indptr))
        return sparse

    def known_word_share(self, tokens: list[str]) -> float:
        """Share of a document's words (letters-only tokens, English function words left out:
        TF-IDF's max_df drops them from the vocabulary) that are in the vocabulary: low for text
        unlike the training data (1.0 for a text with no such words)."""
        return float(self.known_word_shares(TokenBatch.from_documents([tokens]))[0])

    def known_word_shares(self, batch: TokenBatch) -> np.ndarray:
        """`known_word_share` of each article of the batch."""
        ids = batch.ids(self.word_index)
        starts, ends = batch.article_spans()
        position, doc = span_positions(starts, ends)
        ids = ids[position]
        counted = self.word_index.counted[ids]  # ids of -1 read a placeholder, replaced next
        unknown = np.flatnonzero(ids < 0)
        counted[unknown] = [batch.tokens[k].isalpha() and batch.tokens[k] not in FUNCTION_WORDS for k in position[unknown].tolist()]
        known = counted & (self.unigram_columns[ids] >= 0)
        total = np.bincount(doc, weights=counted, minlength=len(starts))
        return np.divide(np.bincount(doc, weights=known, minlength=len(starts)), total, out=np.ones(len(starts)), where=total > 0)


def _ngram_key(ids: Sequence[int], n_words: int) -> int:
    """One integer for a sequence of word ids (base n_words digits), as transform_spans computes it."""
    key = 0
    for i in ids:
        key = key * n_words + i
    return key
