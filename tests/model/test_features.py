"""The numpy transform used at prediction equals scikit-learn's TfidfVectorizer it copies."""

import numpy as np
import pytest

from model.features import TfidfFeatures, make_vectorizer

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
    got = np.zeros_like(expected)
    for i, row in enumerate(features.transform(TEXTS + ["words never seen"])[: len(TEXTS)]):
        got[i, row.indices] = row.values
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_text_with_no_known_terms_is_an_empty_row():
    vectorizer = make_vectorizer(min_df=1, max_df=1.0)
    vectorizer.fit(TEXTS)
    row = TfidfFeatures.from_vectorizer(vectorizer).transform_one("zzz qqq")
    assert len(row.indices) == 0 and len(row.values) == 0
