"""How much room each side gets: a binary sentence classifier (support vs oppose the
target, taught by the corpus' voice evidence) applied to every sentence of an article,
summarized as eight numbers that the document-stance head reads beside the n-grams."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.features import TfidfFeatures, make_vectorizer
from model.linear import LinearHeads, heads_from_logistic, sigmoid
from model.sentences import sentence_tokens

PROFILE_SIZE = 8


class StanceProfile:
    """Fit on evidence sentences; `transform` gives each article's (n, 8) stance profile."""

    def __init__(self, *, C: float = 4.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed

    def fit(self, texts: Sequence[str], voices: Sequence[Sequence[dict]]) -> StanceProfile:
        """Learn from cleaned texts and their gold voices (evidence sentence -> stance)."""
        from sklearn.linear_model import LogisticRegression

        sentences = [v["evidence"] for doc in voices for v in doc]
        labels = [int(v["stance"] == "support") for doc in voices for v in doc]
        self.heads_ = None
        if len(set(labels)) < 2:
            return self  # no evidence of both kinds: every profile is zero
        vectorizer = make_vectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5)
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)
        model.fit(vectorizer.fit_transform(sentences), labels)
        self.features_: TfidfFeatures = TfidfFeatures.from_vectorizer(vectorizer)
        self.heads_: LinearHeads | None = heads_from_logistic(model)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Per article: support and oppose mass (weighted by confidence), shares and counts
        of confident sentences, and the strongest sentence on each side."""
        return self.transform_sentences([sentence_tokens(t) for t in texts])

    def transform_sentences(self, articles: Sequence[list[list[str]]]) -> np.ndarray:
        """`transform` for articles given as their sentences' tokens (`sentence_tokens`); all
        sentences of the batch are scored at once and summarized per article."""
        out = np.zeros((len(articles), PROFILE_SIZE))
        if self.heads_ is None:
            return out
        per_article = np.array([len(sentences) for sentences in articles], dtype=np.int64)
        filled = per_article > 0
        if not filled.any():
            return out
        rows = self.features_.transform_tokens([tokens for sentences in articles for tokens in sentences])
        support = sigmoid(self.heads_.decisions(rows)[:, 0])
        oppose = 1.0 - support
        weight = np.abs(support - oppose)
        starts = (np.cumsum(per_article) - per_article)[filled]  # each article's first sentence

        def total(values: np.ndarray) -> np.ndarray:
            return np.add.reduceat(values, starts)

        mass = total(weight) + 1e-6
        confident_support, confident_oppose = total((support > 0.5).astype(float)), total((oppose > 0.5).astype(float))
        out[filled] = np.column_stack(
            [
                total(support * weight) / mass,
                total(oppose * weight) / mass,
                confident_support / per_article[filled],
                confident_oppose / per_article[filled],
                np.maximum.reduceat(support, starts),
                np.maximum.reduceat(oppose, starts),
                np.log1p(confident_support),
                np.log1p(confident_oppose),
            ]
        )
        return out


def out_of_fold_profiles(
    texts: Sequence[str], voices: Sequence[Sequence[dict]], groups: np.ndarray, folds: int, seed: int = 0
) -> np.ndarray:
    """Profiles of training articles from sentence models that never saw them (event folds)."""
    from sklearn.model_selection import GroupKFold

    out = np.zeros((len(texts), PROFILE_SIZE))
    for train_idx, held_idx in GroupKFold(n_splits=folds).split(np.zeros(len(texts)), groups=groups):
        profile = StanceProfile(seed=seed).fit([texts[i] for i in train_idx], [voices[i] for i in train_idx])
        out[held_idx] = profile.transform([texts[i] for i in held_idx])
    return out
