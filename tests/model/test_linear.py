"""LinearHeads reproduce the calibrated scikit-learn models they were copied from."""

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from model.features import TfidfFeatures, make_vectorizer
from model.linear import heads_from_logistic, heads_from_sklearn, normalize_rows, softmax

TEXTS = [f"{a} {b} report number {i}" for i, (a, b) in enumerate([("missile", "launch"), ("trade", "deal"), ("drill", "navy"), ("film", "award")] * 10)]
BINARY = np.array([1, 0, 1, 0] * 10)
MULTI = np.array([0, 1, 2, 1] * 10)


def _features():
    vectorizer = make_vectorizer(min_df=1, max_df=1.0)
    X = vectorizer.fit_transform(TEXTS)
    return X, TfidfFeatures.from_vectorizer(vectorizer).transform(TEXTS)


def test_binary_and_multiclass_calibrated_heads():
    X, rows = _features()
    binary = CalibratedClassifierCV(LogisticRegression(), method="sigmoid", cv=3, ensemble=False).fit(X, BINARY)
    multi = CalibratedClassifierCV(LogisticRegression(), method="sigmoid", cv=3, ensemble=False).fit(X, MULTI)
    proba = heads_from_sklearn([binary, multi]).probabilities(rows)
    np.testing.assert_allclose(proba[:, 0], binary.predict_proba(X)[:, 1], rtol=1e-5)
    np.testing.assert_allclose(normalize_rows(proba[:, 1:]), multi.predict_proba(X), rtol=1e-5)


def test_plain_logistic_regression_with_softmax():
    X, rows = _features()
    model = LogisticRegression().fit(X, MULTI)
    np.testing.assert_allclose(softmax(heads_from_logistic(model).decisions(rows)), model.predict_proba(X), rtol=1e-5)
