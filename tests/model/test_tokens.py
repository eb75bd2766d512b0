"""Tokens of a batch, sentence by sentence, and their word ids."""

import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.tokens import TokenBatch, WordIndex, tokenize

ARTICLES = [
    [["seoul", "signed", "the", "pact"], ["beijing", "objected"]],
    [],  # an article with no sentences
    [["tokyo", "welcomed", "it"]],
]


def test_a_batch_knows_its_articles_and_sentences():
    batch = TokenBatch.from_sentences(ARTICLES)
    assert len(batch) == 3
    assert batch.article_tokens() == [["seoul", "signed", "the", "pact", "beijing", "objected"], [], ["tokyo", "welcomed", "it"]]
    starts, ends = batch.sentence_spans()
    assert [batch.tokens[s:e] for s, e in zip(starts, ends)] == [["seoul", "signed", "the", "pact"], ["beijing", "objected"], ["tokyo", "welcomed", "it"]]


def test_a_subset_keeps_whole_articles_and_shares_the_looked_up_ids():
    words = WordIndex(["pact", "tokyo", "seoul"])
    batch = TokenBatch.from_sentences(ARTICLES)
    ids = batch.ids(words)
    part = batch.subset([2, 0])
    assert part.article_tokens() == [["tokyo", "welcomed", "it"], ["seoul", "signed", "the", "pact", "beijing", "objected"]]
    assert part.ids(words) is ids  # looked up once for the whole batch
    assert len(batch.subset([])) == 0


def test_word_ids_are_minus_one_for_unknown_words_and_survive_pickling():
    words = pickle.loads(pickle.dumps(WordIndex(["missile", "pact"])))
    assert words.lookup(["pact", "treaty", "missile"]).tolist() == [1, -1, 0]
    assert len(WordIndex([])) == 0 and pickle.loads(pickle.dumps(WordIndex([]))).lookup(["x"]).tolist() == [-1]


def test_ids_follow_the_index_they_were_asked_for():
    batch = TokenBatch.from_documents([["pact", "missile"]])
    assert batch.ids(WordIndex(["pact"])).tolist() == [0, -1]
    assert batch.ids(WordIndex(["missile", "pact"])).tolist() == [1, 0]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab .\n", max_size=30), max_size=4), max_size=5))
def test_sentence_spans_cover_exactly_the_sentences_tokens(articles):
    tokenized = [[tokenize(sentence) for sentence in article] for article in articles]
    batch = TokenBatch.from_sentences(tokenized)
    starts, ends = batch.sentence_spans()
    assert [batch.tokens[s:e] for s, e in zip(starts, ends)] == [t for article in tokenized for t in article]
    assert batch.article_tokens() == [[t for s in article for t in s] for article in tokenized]
    assert np.diff(batch.first_sentence).tolist() == [len(article) for article in articles]
