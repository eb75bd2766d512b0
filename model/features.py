"""Text -> feature matrix. One place, used by training and prediction alike."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

# Words of two or more Unicode word characters; also understood by ONNX's tokenizer (PEERS.md).
TOKEN_PATTERN = r"[\w]{2,}"


def make_vectorizer(*, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, max_df: float = 0.9) -> TfidfVectorizer:
    """Word n-gram TF-IDF with sublinear term frequency, the features every head shares."""
    return TfidfVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        ngram_range=ngram_range,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
