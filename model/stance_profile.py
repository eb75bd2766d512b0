"""How much room each side gets, as eleven numbers the document-stance head reads beside the
n-grams. Two sentence classifiers, taught by the corpus' voice evidence, read every sentence:
a binary one (support vs oppose the target) gives eight numbers (mass, shares, counts and the
strongest sentence of each side); a three-class one (support, oppose, no position) gives three
on balance among the sentences that do take a position: the label standard's "supporters and
critics get comparable room" (reports/stance_experiment.md measured the choice)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.features import TfidfFeatures, make_vectorizer
from model.linear import LinearHeads, heads_from_logistic, sigmoid, softmax
from model.sentences import SENTENCE_STANCES, evidence_stances, sentence_tokens, split_sentences
from model.tokens import TokenBatch

PROFILE_SIZE = 11


class StanceProfile:
    """Fit on evidence sentences; `transform` gives each article's (n, 11) stance profile."""

    def __init__(self, *, C: float = 4.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed

    def fit(self, texts: Sequence[str], voices: Sequence[Sequence[dict]]) -> StanceProfile:
        """Learn from cleaned texts and their gold voices: evidence sentences teach support and
        oppose; the articles' other sentences teach the three-class model `none`."""
        sentences = [v["evidence"] for doc in voices for v in doc]
        labels = [int(v["stance"] == "support") for doc in voices for v in doc]
        self.heads_ = None
        if len(set(labels)) < 2:
            return self  # no evidence of both kinds: every profile is zero
        self.features_: TfidfFeatures
        self.heads_: LinearHeads | None
        self.features_, self.heads_ = self._fit_sentences(sentences, labels)
        split = [split_sentences(t) for t in texts]
        all_sentences = [sentence for doc in split for sentence in doc]
        stances = [stance or "none" for doc, doc_voices in zip(split, voices) for stance in evidence_stances(doc, doc_voices)]
        self.three_features_, self.three_heads_ = self._fit_sentences(all_sentences, [SENTENCE_STANCES.index(s) for s in stances])
        return self

    def feature_spaces(self) -> list[TfidfFeatures]:
        """The sentence models' feature spaces (none before fitting on evidence of both sides)."""
        return [self.features_, self.three_features_] if self.heads_ is not None else []

    def _fit_sentences(self, sentences: list[str], labels: list[int]) -> tuple[TfidfFeatures, LinearHeads]:
        """A logistic regression over sentence n-grams."""
        from sklearn.linear_model import LogisticRegression

        vectorizer = make_vectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5)
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)
        model.fit(vectorizer.fit_transform(sentences), labels)
        return TfidfFeatures.from_vectorizer(vectorizer), heads_from_logistic(model)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Per article: support and oppose mass (weighted by confidence), shares and counts
        of confident sentences and the strongest sentence on each side (binary model); support's
        share of the side-taking mass, its balance and whether both sides are confidently there
        (three-class model)."""
        return self.transform_batch(TokenBatch.from_sentences([sentence_tokens(t) for t in texts]))

    def transform_batch(self, batch: TokenBatch) -> np.ndarray:
        """`transform` for a tokenized batch; all its sentences are scored at once and
        summarized per article."""
        out = np.zeros((len(batch), PROFILE_SIZE))
        if self.heads_ is None:
            return out
        per_article = np.diff(batch.first_sentence)
        filled = per_article > 0
        if not filled.any():
            return out
        rows = self.features_.transform_sentences(batch)
        support = sigmoid(self.heads_.decisions(rows)[:, 0])
        oppose = 1.0 - support
        weight = np.abs(support - oppose)
        starts = (np.cumsum(per_article) - per_article)[filled]  # each article's first sentence

        def total(values: np.ndarray) -> np.ndarray:
            return np.add.reduceat(values, starts)

        def anywhere(flags: np.ndarray) -> np.ndarray:
            return np.logical_or.reduceat(flags, starts)

        mass = total(weight) + 1e-6
        confident_support, confident_oppose = total((support > 0.5).astype(float)), total((oppose > 0.5).astype(float))
        p = softmax(self.three_heads_.decisions(self.three_features_.transform_sentences(batch)))
        taking_side = p.argmax(axis=1)
        for_mass, against_mass = total(p[:, 0]), total(p[:, 1])
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
                for_mass / (for_mass + against_mass + 1e-6),  # support's share of the mass that takes a side
                np.minimum(for_mass, against_mass) / (np.maximum(for_mass, against_mass) + 1e-6),  # 1: comparable room
                anywhere((taking_side == 0) & (p[:, 0] > 0.5)) & anywhere((taking_side == 1) & (p[:, 1] > 0.5)),  # both sides, confidently
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
