"""Text -> tokens -> word ids. A batch of articles is tokenized once, sentence by sentence
(`TokenBatch`); every feature space of a model then looks its words up once, as integer ids
in a shared `WordIndex`, and counts n-grams in numpy rather than building n-gram strings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import repeat

import numpy as np

from model.language import FUNCTION_WORDS

# Words of two or more Unicode word characters; also understood by ONNX's tokenizer (PEERS.md).
TOKEN_PATTERN = r"[\w]{2,}"
_TOKEN = re.compile(TOKEN_PATTERN)


def tokenize(text: str) -> list[str]:
    """The lower-cased words TfidfVectorizer's analyzer reads in `text`."""
    return _TOKEN.findall(text.lower())


def span_positions(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions in spans [start, end), one span after another, and the span each is in."""
    lengths = ends - starts
    position = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum(), dtype=np.int64)
    return position, np.repeat(np.arange(len(starts), dtype=np.int64), lengths)


class WordIndex:
    """Integer ids of the words a model's n-grams use (-1 for any other word)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._set_words(sorted(set(words)))

    def _set_words(self, words: list[str]) -> None:
        self.ids = dict(zip(words, range(len(words))))
        # Words the unfamiliar-text check counts (letters only, not a function word): see TfidfFeatures.known_word_shares.
        self.counted = np.array([w.isalpha() and w not in FUNCTION_WORDS for w in words], dtype=bool)

    def __len__(self) -> int:
        return len(self.ids)

    def __getstate__(self) -> dict:
        return {"words": "\n".join(self.ids)}  # one string: loads several times faster than a dict

    def __setstate__(self, state: dict) -> None:
        self._set_words(state["words"].split("\n") if state["words"] else [])

    def lookup(self, tokens: Sequence[str]) -> np.ndarray:
        """The id of each token, -1 where the index lacks it."""
        return np.fromiter(map(self.ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))


class TokenBatch:
    """The tokens of several articles, sentence by sentence, in one flat list. Sentences are
    spans of it; an article is the run of its sentences. Word ids are looked up once per
    `WordIndex` and shared with every `subset`."""

    def __init__(self, tokens: list[str], starts: np.ndarray, ends: np.ndarray, first_sentence: np.ndarray, ids: dict | None = None) -> None:
        self.tokens = tokens
        self.starts, self.ends = starts, ends  # token span of each sentence
        self.first_sentence = first_sentence  # (articles + 1,): article a has sentences first_sentence[a]:first_sentence[a + 1]
        self._ids: dict[int, tuple[WordIndex, np.ndarray]] = {} if ids is None else ids

    @classmethod
    def from_sentences(cls, articles: Sequence[Sequence[list[str]]]) -> TokenBatch:
        """A batch from each article's sentences' tokens (`tokenize` of each sentence)."""
        lengths = np.fromiter((len(s) for article in articles for s in article), dtype=np.int64)
        ends = np.cumsum(lengths)
        first_sentence = np.zeros(len(articles) + 1, dtype=np.int64)
        np.cumsum([len(article) for article in articles], out=first_sentence[1:])
        return cls([t for article in articles for s in article for t in s], ends - lengths, ends, first_sentence)

    @classmethod
    def from_documents(cls, documents: Sequence[list[str]]) -> TokenBatch:
        """A batch where each token list is one article of one sentence."""
        return cls.from_sentences([[tokens] for tokens in documents])

    def __len__(self) -> int:
        return len(self.first_sentence) - 1

    def ids(self, words: WordIndex) -> np.ndarray:
        """Every token's id in `words` (looked up on first use)."""
        cached = self._ids.get(id(words))
        if cached is None or cached[0] is not words:
            cached = self._ids[id(words)] = (words, words.lookup(self.tokens))
        return cached[1]

    def article_spans(self) -> tuple[np.ndarray, np.ndarray]:
        """Token span of each article (empty for an article with no sentences)."""
        first, stop = self.first_sentence[:-1], self.first_sentence[1:]
        filled = stop > first
        starts = np.zeros(len(self), dtype=np.int64)
        ends = np.zeros(len(self), dtype=np.int64)
        starts[filled], ends[filled] = self.starts[first[filled]], self.ends[stop[filled] - 1]
        return starts, ends

    def sentence_spans(self, which: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Token span of every sentence of the batch, or of the sentences numbered `which`."""
        return (self.starts, self.ends) if which is None else (self.starts[which], self.ends[which])

    def article_tokens(self) -> list[list[str]]:
        """Each article's tokens."""
        return [self.tokens[start:end] for start, end in zip(*(span.tolist() for span in self.article_spans()))]

    def subset(self, articles: Sequence[int]) -> TokenBatch:
        """The batch of the given articles only, sharing this batch's tokens and ids."""
        first, stop = self.first_sentence[:-1][list(articles)], self.first_sentence[1:][list(articles)]
        which, _ = span_positions(first, stop)  # the articles' sentences
        first_sentence = np.zeros(len(articles) + 1, dtype=np.int64)
        np.cumsum(stop - first, out=first_sentence[1:])
        return TokenBatch(self.tokens, self.starts[which], self.ends[which], first_sentence, self._ids)
