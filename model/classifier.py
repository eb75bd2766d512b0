"""The regsec classifier: relevance, multi-label topics and document stance over shared
TF-IDF features, each head a calibrated logistic regression (scikit-learn conventions:
the constructor stores parameters, `fit` learns attributes ending in `_`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import spmatrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict

from model.features import make_vectorizer
from model.labels import STANCES, TOPICS
from model.prediction import Prediction
from model.text_cleaning import clean_text

_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


class RegsecClassifier:
    """Fit on labeled articles, predict `Prediction`s for new ones."""

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        C: float = 10.0,
        folds: int = 5,
        relevance_threshold: float = 0.5,
        seed: int = 0,
        version: str = "unversioned",
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.folds = folds
        self.relevance_threshold = relevance_threshold
        self.seed = seed
        self.version = version

    def get_params(self) -> dict[str, object]:
        """The constructor arguments, as scikit-learn estimators report them."""
        return {name: getattr(self, name) for name in ("ngram_range", "min_df", "C", "folds", "relevance_threshold", "seed", "version")}

    # ----------------------------------------------------------------- training
    def fit(
        self,
        texts: Sequence[str],
        topics: Sequence[Sequence[str]],
        stances: Sequence[str | None],
        groups: Sequence[str],
    ) -> RegsecClassifier:
        """Learn all heads. `groups` (one event id per text) keep related articles in the
        same cross-validation fold, for calibration and threshold tuning."""
        _check_documents(texts)
        if not (len(texts) == len(topics) == len(stances) == len(groups)):
            raise ValueError("texts, topics, stances and groups must have the same length")
        groups = np.asarray(groups)
        self.vectorizer_ = make_vectorizer(ngram_range=self.ngram_range, min_df=self.min_df)
        X = self.vectorizer_.fit_transform([clean_text(t) for t in texts])

        relevant = np.array([bool(t) for t in topics])
        self.relevance_ = self._calibrated(X, relevant.astype(int), groups)

        Y = np.array([[label in doc_topics for label in TOPICS] for doc_topics in topics], dtype=int)
        self.topic_heads_, self.topic_thresholds_ = [], []
        for k, label in enumerate(TOPICS):
            if Y[:, k].sum() < self.folds:
                raise ValueError(f"topic {label!r} has {Y[:, k].sum()} documents; need at least {self.folds}")
            self.topic_heads_.append(self._calibrated(X, Y[:, k], groups))
            oof = self._out_of_fold_proba(X, Y[:, k], groups)
            self.topic_thresholds_.append(_best_f1_threshold(Y[:, k], oof))

        rel_idx = np.flatnonzero(relevant)
        y_stance = np.array([STANCES.index(stances[i]) for i in rel_idx])
        self.stance_ = self._calibrated(X[rel_idx], y_stance, groups[rel_idx])
        return self

    def _estimator(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)

    def _splits(self, y: np.ndarray, groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(GroupKFold(n_splits=self.folds).split(np.zeros(len(y)), y, groups))

    def _calibrated(self, X: spmatrix, y: np.ndarray, groups: np.ndarray) -> CalibratedClassifierCV:
        """Logistic regression fit on all rows, sigmoid-calibrated on out-of-fold scores."""
        head = CalibratedClassifierCV(self._estimator(), method="sigmoid", cv=self._splits(y, groups), ensemble=False)
        return head.fit(X, y)

    def _out_of_fold_proba(self, X: spmatrix, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Calibrated positive-class probabilities for rows never seen in training."""
        inner = CalibratedClassifierCV(self._estimator(), method="sigmoid", cv=3, ensemble=False)
        return cross_val_predict(inner, X, y, cv=self._splits(y, groups), method="predict_proba")[:, 1]

    # --------------------------------------------------------------- prediction
    def predict_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Relevance (n,), topic (n, len(TOPICS)) and stance (n, len(STANCES)) probabilities."""
        _check_documents(texts)
        X = self.vectorizer_.transform([clean_text(t) for t in texts])
        relevance = self.relevance_.predict_proba(X)[:, 1]
        topic_scores = np.column_stack([head.predict_proba(X)[:, 1] for head in self.topic_heads_])
        stance_scores = self.stance_.predict_proba(X)
        return relevance, topic_scores, stance_scores

    def predict(self, texts: Sequence[str], ids: Sequence[str | None] | None = None) -> list[Prediction]:
        """One `Prediction` per text; a text judged not relevant gets no topics and no stance."""
        ids = list(ids) if ids is not None else [None] * len(texts)
        relevance, topic_scores, stance_scores = self.predict_scores(texts)
        thresholds = np.asarray(self.topic_thresholds_)
        out = []
        for i, doc_id in enumerate(ids):
            relevant = bool(relevance[i] >= self.relevance_threshold)
            topics: list[str] = []
            stance = None
            if relevant:
                order = np.argsort(-topic_scores[i], kind="stable")
                topics = [TOPICS[k] for k in order if topic_scores[i, k] >= thresholds[k]] or [TOPICS[order[0]]]
                stance = STANCES[int(np.argmax(stance_scores[i]))]
            out.append(
                Prediction(
                    id=doc_id,
                    relevant=relevant,
                    relevance=_round(relevance[i]),
                    topics=topics,
                    topic_scores={label: _round(s) for label, s in zip(TOPICS, topic_scores[i])},
                    stance=stance,
                    stance_scores={label: _round(s) for label, s in zip(STANCES, stance_scores[i])},
                    model_version=self.version,
                )
            )
        return out


def _round(x: float) -> float:
    return round(float(x), 4)


def _check_documents(texts: object) -> None:
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single string; wrap it: predict([text])")


def _best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut-off that maximizes F1 on out-of-fold predictions."""
    best, best_f1 = 0.5, -1.0
    for t in _THRESHOLD_GRID:
        pred = proba >= t
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1, int(pred.sum()) + int(y.sum()))
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best
