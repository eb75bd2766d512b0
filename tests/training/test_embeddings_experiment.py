"""The embeddings experiment's feature space: the shipped TF-IDF columns, then the document
embedding, on every path prediction takes (whole batches, token lists, plain texts)."""

import numpy as np

from model.features import TfidfFeatures, make_vectorizer
from model.tokens import TokenBatch, tokenize
from training.embeddings_experiment import EmbeddedFeatures, WordVectors

TEXTS = ["Seoul and Tokyo signed the intelligence pact.", "Beijing criticised the pact.", "zzz"]


def test_rows_are_the_tfidf_columns_followed_by_the_scaled_embedding():
    features = TfidfFeatures.from_vectorizer(make_vectorizer(min_df=1, max_df=1.0).fit(TEXTS[:2]))
    table = WordVectors(["pact", "seoul", "beijing"], np.eye(3))
    embedded = EmbeddedFeatures(features, table, alpha=2.0)
    width = len(features.idf)
    expected = np.hstack([features.transform(TEXTS).to_dense(width), 2.0 * np.array([table.embed_one(t) for t in TEXTS])])
    batch = TokenBatch.from_sentences([[tokenize(t)] for t in TEXTS])
    for rows in (embedded.transform(TEXTS), embedded.transform_tokens([tokenize(t) for t in TEXTS]), embedded.transform_articles(batch)):
        np.testing.assert_allclose(rows.to_dense(width + 3), expected)
    assert not expected[2].any()  # no known word: no TF-IDF, no embedding
