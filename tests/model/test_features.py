"""The numpy transform used at prediction equals scikit-learn's TfidfVectorizer it copies."""

import pickle

import numpy as np
import pytest

from model.features import TfidfFeatures, make_vectorizer
from model.tokens import TokenBatch, WordIndex, tokenize

TEXTS = [
    "Seoul and Tokyo signed the intelligence pact; Beijing criticised the pact.",
    "North Korea fired a ballistic missile, Japan's defense ministry said.",
    "The pact's critics in Seoul said the pact ignores history. Seoul's lawmakers protested.",
    "Ünïcode wörds, 2024 numbers and a_b underscores count too: ünïcode 2024.",
]


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (2, 3)])
def test_transform_matches_tfidf_vectorizer(ngram_range):
    vectorizer = make_vectorizer(ngram_range=ngram_range, min_df=1, max_df=1.0)
    expected = vectorizer.fit_transform(TEXTS).toarray()
    features = TfidfFeatures.from_vectorizer(vectorizer)
    # Rows with no known term, first, in the middle and last, must not shift the others.
    got = features.transform(["zzz", TEXTS[0], "", *TEXTS[1:], "words never seen"]).to_dense(len(features.idf))
    np.testing.assert_allclose(got[[1, 3, 4, 5]], expected, rtol=1e-6, atol=1e-7)
    assert not got[[0, 2, 6]].any()


def test_text_with_no_known_terms_is_an_empty_row():
    vectorizer = make_vectorizer(min_df=1, max_df=1.0)
    vectorizer.fit(TEXTS)
    rows = TfidfFeatures.from_vectorizer(vectorizer).transform(["zzz qqq"])
    assert rows.indptr.tolist() == [0, 0] and len(rows.indices) == 0 and len(rows.values) == 0


def test_no_documents_give_no_rows():
    vectorizer = make_vectorizer(min_df=1, max_df=1.0)
    vectorizer.fit(TEXTS)
    assert len(TfidfFeatures.from_vectorizer(vectorizer).transform([])) == 0


def test_known_word_share_counts_letter_words_outside_the_function_words():
    vectorizer = make_vectorizer(min_df=1, max_df=1.0)
    features = TfidfFeatures.from_vectorizer(vectorizer.fit(TEXTS))
    assert features.known_word_share(tokenize("The pact and the missile")) == 1.0  # "the", "and" are left out
    assert features.known_word_share(tokenize("pact zzyzx 2024")) == 0.5  # the number is not a word
    assert features.known_word_share([]) == 1.0


def test_feature_spaces_sharing_one_word_index_give_the_same_rows():
    first = TfidfFeatures.from_vectorizer(make_vectorizer(min_df=1, max_df=1.0).fit(TEXTS[:2]))
    second = TfidfFeatures.from_vectorizer(make_vectorizer(min_df=1, max_df=1.0).fit(TEXTS[2:]))
    alone = [space.transform(TEXTS).to_dense(len(space.idf)) for space in (first, second)]
    shared = WordIndex(first.words() | second.words())
    for space in (first, second):
        space.use_words(shared)
    batch = TokenBatch.from_documents([tokenize(t) for t in TEXTS])
    together = [space.transform_articles(batch).to_dense(len(space.idf)) for space in (first, second)]
    np.testing.assert_array_equal(alone[0], together[0])
    np.testing.assert_array_equal(alone[1], together[1])


def test_rows_of_a_pickled_feature_space_are_unchanged():
    features = TfidfFeatures.from_vectorizer(make_vectorizer(min_df=1, max_df=1.0).fit(TEXTS))
    loaded = pickle.loads(pickle.dumps(features))
    np.testing.assert_array_equal(loaded.transform(TEXTS).to_dense(len(features.idf)), features.transform(TEXTS).to_dense(len(features.idf)))
    assert loaded.vocabulary == features.vocabulary


def test_known_word_shares_of_a_batch_match_each_article_alone():
    features = TfidfFeatures.from_vectorizer(make_vectorizer(min_df=1, max_df=1.0).fit(TEXTS))
    documents = [tokenize(t) for t in ["The pact and the missile", "pact zzyzx 2024", "", "Und der pact"]]
    shares = features.known_word_shares(TokenBatch.from_documents(documents))
    assert shares.tolist() == [features.known_word_share(d) for d in documents] == [1.0, 0.5, 1.0, 1 / 3]
