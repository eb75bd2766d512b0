"""Linear scoring heads in plain numpy: weights learned by scikit-learn's (calibrated)
logistic regression, applied to `SparseRows` features without importing scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from model.features import SparseRows


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, stable for large |x|."""
    return np.exp(-np.logaddexp(0.0, -x))


@dataclass
class LinearHeads:
    """Rows of weights over one feature space: decision = W[h] . x + bias[h].

    `calibration` (a, b) per row turns a decision into a probability as Platt scaling does,
    p = sigmoid(-(a * decision + b)); rows without calibration use the plain logistic."""

    weights: np.ndarray  # (heads, features), float32: one head's weights are small enough to gather from cache
    bias: np.ndarray  # (heads,)
    calib_a: np.ndarray  # (heads,)
    calib_b: np.ndarray  # (heads,)

    def decisions(self, rows: SparseRows) -> np.ndarray:
        """(documents, heads) decision values, a head at a time over every stored feature of the batch."""
        return np.column_stack([rows.row_sums(head[rows.indices] * rows.values) for head in self.weights]) + self.bias

    def decisions_dense(self, X: np.ndarray) -> np.ndarray:
        """(documents, heads) decision values for a dense feature matrix."""
        return X @ self.weights.T + self.bias

    def probabilities(self, rows: SparseRows) -> np.ndarray:
        """(documents, heads) calibrated probabilities, one independent probability per head."""
        return self.calibrate(self.decisions(rows))

    def calibrate(self, decisions: np.ndarray) -> np.ndarray:
        """Platt-scaled probabilities of (documents, heads) decision values."""
        return sigmoid(-(self.calib_a * decisions + self.calib_b))


def heads_from_sklearn(calibrated: list[Any], n_features: int | None = None) -> LinearHeads:
    """Stack fitted CalibratedClassifierCV(ensemble=False, method="sigmoid") models over
    logistic regression into one LinearHeads: one row per binary model, one row per class
    for a multi-class model (normalize those rows' probabilities with `normalize_rows`).
    With `n_features`, only the first n_features weights of each model are kept (a model
    that also read extra columns adds their contribution to its decisions itself)."""
    weights, bias, a, b = [], [], [], []
    for model in calibrated:
        (fitted,) = model.calibrated_classifiers_
        weights.append(fitted.estimator.coef_[:, :n_features])
        bias.append(fitted.estimator.intercept_)
        a += [c.a_ for c in fitted.calibrators]
        b += [c.b_ for c in fitted.calibrators]
    return LinearHeads(
        np.ascontiguousarray(np.vstack(weights), dtype=np.float32),
        np.concatenate(bias).astype(np.float64),
        np.asarray(a, dtype=np.float64),
        np.asarray(b, dtype=np.float64),
    )


def heads_from_logistic(model: Any) -> LinearHeads:
    """An uncalibrated fitted LogisticRegression as LinearHeads (use `softmax` on its
    decisions for a multi-class model)."""
    rows = len(model.intercept_)
    return LinearHeads(
        np.ascontiguousarray(model.coef_, dtype=np.float32),
        model.intercept_.astype(np.float64),
        np.full(rows, -1.0),
        np.zeros(rows),
    )


def softmax(decisions: np.ndarray) -> np.ndarray:
    """Row-wise softmax, as multinomial logistic regression turns decisions into probabilities."""
    shifted = decisions - decisions.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def normalize_rows(proba: np.ndarray) -> np.ndarray:
    """One-vs-rest probabilities of a multi-class head, normalized to sum to one (uniform
    where every class got zero), as scikit-learn's calibrated classifier does."""
    total = proba.sum(axis=1, keepdims=True)
    return np.divide(proba, total, out=np.full_like(proba, 1.0 / proba.shape[1]), where=total != 0)
