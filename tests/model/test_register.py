"""The register model: genre probabilities from article n-grams, out of fold for training articles."""

import json

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold

from model.features import TfidfFeatures, make_vectorizer
from model.register import MIN_LABELED, RegisterModel
from model.tokens import tokenize


@pytest.fixture(scope="module")
def corpus(repo):
    """Relevant corpus articles of three registers, their features and event groups."""
    records = [json.loads(line) for path in sorted((repo / "data" / "corpus").glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]
    records = [r for r in records if r["topics"] and r["register"] in ("wire", "op_ed", "state_media")][:300]
    vectorizer = make_vectorizer().fit([r["text"] for r in records])
    return records, vectorizer, np.array([r["event"] for r in records])


def test_packaged_model_reads_wire_copy_and_state_media_apart(default_model):
    wire = "SEOUL, March 3 (Reuters) - South Korea and the United States began annual drills on Monday, the defence ministry said."
    kcna = "The puppet warmongers' reckless war drills are a grave provocation that will be met with merciless retaliation, KCNA said."
    p = default_model.register_.probabilities(default_model.features_.transform([wire, kcna]))
    labels = default_model.register_.labels_
    assert p.shape == (2, len(labels)) and np.allclose(p.sum(axis=1), 1.0)
    assert p[0, labels.index("wire")] > p[1, labels.index("wire")]
    assert p[1, labels.index("state_media")] > p[0, labels.index("state_media")]


def test_out_of_fold_rows_come_from_a_model_that_never_saw_their_event(corpus):
    records, vectorizer, groups = corpus
    X, registers = vectorizer.transform([r["text"] for r in records]), [r["register"] for r in records]
    model = RegisterModel(folds=3)
    oof = model.fit_out_of_fold(X, registers, groups)
    assert model.labels_ == ["op_ed", "state_media", "wire"]
    assert oof.shape == (len(records), 3) and np.allclose(oof.sum(axis=1), 1.0)
    train, held = next(GroupKFold(n_splits=3).split(np.zeros(len(records)), groups=groups))
    fold = model._model().fit(X[train], [model.labels_.index(registers[i]) for i in train])
    np.testing.assert_allclose(oof[held], fold.predict_proba(X[held]), atol=1e-12)
    new = model.probabilities(TfidfFeatures.from_vectorizer(vectorizer).transform_tokens([tokenize(records[0]["text"])]))
    assert new.shape == (1, 3) and np.isclose(new.sum(), 1.0)


def test_articles_without_a_register_are_scored_but_not_learned_from(corpus):
    records, vectorizer, groups = corpus
    registers = [r["register"] if i % 2 else [None, "", 3][i % 3] for i, r in enumerate(records)]  # None, blank or not a string
    model = RegisterModel(folds=3)
    oof = model.fit_out_of_fold(vectorizer.transform([r["text"] for r in records]), registers, groups)
    assert model.labels_ == ["op_ed", "state_media", "wire"]  # a blank or a number is no label
    assert np.allclose(oof.sum(axis=1), 1.0)  # the unlabeled half gets probabilities too


def test_too_few_labeled_articles_teach_no_register(corpus):
    records, vectorizer, groups = corpus
    registers = [r["register"] if i < MIN_LABELED - 1 else None for i, r in enumerate(records)]
    model = RegisterModel(folds=3)
    assert model.fit_out_of_fold(vectorizer.transform([r["text"] for r in records]), registers, groups).shape == (len(records), 0)
    rows = TfidfFeatures.from_vectorizer(vectorizer).transform(["Any text at all."])
    assert model.probabilities(rows).shape == (1, 0)


def test_two_registers_score_as_scikit_learn_does_and_the_same_seed_gives_the_same_numbers(corpus):
    records, vectorizer, groups = corpus
    two = [r for r in records if r["register"] != "op_ed"]
    X, y = vectorizer.transform([r["text"] for r in two]), [r["register"].upper() for r in two]  # "WIRE" is wire
    models = [RegisterModel(folds=3, seed=7) for _ in range(2)]
    runs = [m.fit_out_of_fold(X, y, np.array([r["event"] for r in two])) for m in models]
    assert models[0].labels_ == ["state_media", "wire"] and runs[0].shape == (len(two), 2)
    np.testing.assert_array_equal(runs[0], runs[1])
    texts = [r["text"] for r in two[:20]]
    mine = models[0].probabilities(TfidfFeatures.from_vectorizer(vectorizer).transform_tokens([tokenize(t) for t in texts]))
    sklearn = models[0]._model().fit(X, [r["register"] for r in two]).predict_proba(vectorizer.transform(texts))
    np.testing.assert_allclose(mine, sklearn, atol=1e-5)


def test_a_register_found_in_one_event_only_still_trains(corpus):
    records, vectorizer, groups = corpus
    registers = ["op_ed" if g == groups[0] else "wire" for g in groups]  # the fold holding that event sees wire only
    oof = RegisterModel(folds=3).fit_out_of_fold(vectorizer.transform([r["text"] for r in records]), registers, groups)
    assert oof.shape == (len(records), 2) and np.allclose(oof.sum(axis=1), 1.0)
