"""An article's register (wire report, news, op-ed, state media, government statement, ...) as
evidence for the stance head: wire copy is mostly neutral, op-eds and official statements almost
never are. A multinomial logistic regression over the article n-grams, taught by the corpus'
`register` labels; training articles get out-of-fold probabilities, so the stance head learns
how far to trust them (reports/stance_experiment.md measured the choice)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from model.features import SparseRows
from model.linear import LinearHeads, heads_from_logistic, sigmoid, softmax

MIN_LABELED = 50  # fewer labeled articles than this teach no register: the stance head goes without


class RegisterModel:
    """Fit with `fit_out_of_fold` on training rows; `probabilities` gives new articles' (n, registers)."""

    def __init__(self, *, C: float = 4.0, folds: int = 5, seed: int = 0) -> None:
        self.C = C
        self.folds = folds
        self.seed = seed

    def fit_out_of_fold(self, X: Any, registers: Sequence[str | None], groups: np.ndarray) -> np.ndarray:
        """Learn from the rows of X (sparse article features) that have a register; return every
        row's register probabilities from a model that never saw its event fold. Rows without a
        register (a user's data may have none) are scored but not learned from."""
        from sklearn.model_selection import GroupKFold

        registers = [r.strip().lower() if isinstance(r, str) and r.strip() else None for r in registers]  # "Wire " is wire; blank or a number is none
        labeled = np.array([i for i, r in enumerate(registers) if r], dtype=np.int64)
        self.labels_: list[str] = sorted({registers[i] for i in labeled})
        self.heads_: LinearHeads | None = None
        if len(labeled) < MIN_LABELED or len(self.labels_) < 2:
            self.labels_ = []
            return np.zeros((X.shape[0], 0))
        y = np.array([self.labels_.index(r) if r else -1 for r in registers])
        out = np.zeros((X.shape[0], len(self.labels_)))
        for train_idx, held_idx in GroupKFold(n_splits=self.folds).split(np.zeros(X.shape[0]), groups=groups):
            train_idx = train_idx[y[train_idx] >= 0]
            seen = np.unique(y[train_idx])
            if len(seen) < 2:  # this fold's training side knows one register (or none): that is all it can say
                out[np.ix_(held_idx, seen)] = 1.0
                continue
            fold = self._model().fit(X[train_idx], y[train_idx])
            out[np.ix_(held_idx, fold.classes_)] = fold.predict_proba(X[held_idx])
        self.heads_ = heads_from_logistic(self._model().fit(X[labeled], y[labeled]))
        return out

    def _model(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)

    def probabilities(self, rows: SparseRows) -> np.ndarray:
        """(articles, registers) probabilities of featurized articles; no columns when no register was learned."""
        if self.heads_ is None:
            return np.zeros((len(rows), 0))
        decisions = self.heads_.decisions(rows)
        if len(self.labels_) == 2:  # a binary regression has one row: the second label's
            p = sigmoid(decisions[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(decisions)
