import json
from dataclasses import replace

import numpy as np
import pytest

from model.artifact import DEFAULT_DIR, load_artifact
from tests.conftest import REPO
from training.compare import HEADLINE
from training.records import LabeledRecord
from training.sources import load_labeled
from training.split import split_records
from training.train import TrainConfig, TrainingDataError, check_trainable, data_hash, fit_classifier


@pytest.fixture(scope="module")
def corpus():
    records, problems = load_labeled([REPO / "data" / "corpus"])
    assert problems == []
    return records


def test_committed_model_matches_code_and_data(corpus):
    """Retrain from data/ with the manifest's parameters: same data hash, same predictions."""
    clf, manifest = load_artifact()
    assert manifest["data_sha256"] == data_hash(corpus), "data/ changed since the model was trained: run `regsec train`"
    config = TrainConfig(**{k: v for k, v in manifest["params"].items() if k in TrainConfig.__dataclass_fields__})
    train, test = split_records(corpus, config.test_percent)
    fresh = fit_classifier(train, config, manifest["version"])
    texts = [r.data["text"] for r in test]
    assert [p.to_dict() for p in fresh.predict(texts)] == [p.to_dict() for p in clf.predict(texts)]


def test_same_data_and_seed_give_the_same_predictions(corpus):
    subset = corpus[::4]
    config = TrainConfig(folds=3)
    first, second = (fit_classifier(subset, config, "t") for _ in range(2))
    texts = [r.data["text"] for r in corpus[1::8]]
    assert np.array_equal(np.hstack(first.predict_scores(texts)[1:]), np.hstack(second.predict_scores(texts)[1:]))
    assert [p.to_dict() for p in first.predict(texts)] == [p.to_dict() for p in second.predict(texts)]


def test_data_without_registers_trains_a_stance_head_without_them(corpus):
    from model.stance_profile import PROFILE_SIZE

    subset = [LabeledRecord(r.source, r.line, {k: v for k, v in r.data.items() if k != "register"}) for r in corpus[::4]]
    clf = fit_classifier(subset, TrainConfig(folds=3), "t")
    assert clf.register_.labels_ == [] and clf.profile_weights_.shape[0] == PROFILE_SIZE
    assert clf.predict([corpus[0].data["text"]])[0].stance_scores


def _records(rows):
    return [LabeledRecord("mem", i, row) for i, row in enumerate(rows, 1)]


def test_untrainable_data_fails_before_any_fitting():
    relevant = {"topics": ["diplomacy"], "stance": "neutral", "target": "t", "voices": [], "text": "x"}
    with pytest.raises(TrainingDataError, match="both documents with topics and documents without"):
        check_trainable(_records([{**relevant, "id": str(i)} for i in range(10)]), folds=5)
    off = {"topics": [], "stance": None, "target": None, "voices": [], "text": "x"}
    rows = [{**relevant, "id": f"r{i}"} for i in range(10)] + [{**off, "id": f"o{i}"} for i in range(10)]
    with pytest.raises(TrainingDataError, match="at least two classes"):
        check_trainable(_records(rows), folds=5)


def test_bad_records_stop_training_unless_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "t", "topics": ["weather"], "voices": []}) + "\n")
    with pytest.raises(TrainingDataError) as info:
        from training.train import load_training_records

        load_training_records(TrainConfig(data=[str(path)], base=False))
    assert "unknown topic" in str(info.value.problems[0])


def test_packaged_manifest_describes_the_artifact():
    manifest = json.loads((DEFAULT_DIR / "manifest.json").read_text())
    for key in ("version", "labels", "sklearn_version", "artifact_sha256", "data_sha256", "params", "metrics_test_split"):
        assert key in manifest
    assert (DEFAULT_DIR / "model.joblib").stat().st_size < 20 * 1024 * 1024


def test_an_empty_dataset_fails_with_a_clear_message(tmp_path):
    from training.train import load_training_records

    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(TrainingDataError, match="no valid labeled records"):
        load_training_records(TrainConfig(data=[str(tmp_path / "empty.jsonl")], base=False))


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_user_data_extends_the_corpus_and_replaces_its_copies(tmp_path, corpus):
    from training.train import load_training_records

    relabeled = {**corpus[0].data, "id": "mine-1"}  # same text as a corpus document, new id
    new = {"id": "mine-2", "text": "Fresh annotated article text about a drill.", "topics": [], "stance": None, "target": None, "voices": []}
    again = {**new, "id": "mine-3", "text": "  fresh ANNOTATED article text about a drill. "}  # same text, other spacing and case
    data = load_training_records(TrainConfig(data=[str(_write_jsonl(tmp_path / "mine.jsonl", [relabeled, new, again]))]))
    assert (data.base, data.user, data.replaced, data.duplicates) == (len(corpus) - 1, 2, 1, 1)
    ids = {r.data["id"] for r in data.records}
    assert {"mine-1", "mine-2"} <= ids and corpus[0].data["id"] not in ids and "mine-3" not in ids


def test_no_base_trains_on_the_users_data_alone(tmp_path, corpus):
    from training.train import load_training_records

    path = _write_jsonl(tmp_path / "mine.jsonl", [r.data for r in corpus[:40]])
    data = load_training_records(TrainConfig(data=[str(path)], base=False))
    assert data.counts() == {"base": 0, "user": 40, "replaced": 0, "duplicates": 0, "problems": 0}
    with pytest.raises(ValueError, match="--no-base needs data"):
        TrainConfig(base=False)


def test_a_manifest_gives_back_its_training_configuration():
    manifest = {"params": {"seed": 3, "base": True, "label_map": {"a": "b"}}, "data_sources": ["x.jsonl"]}
    config = TrainConfig.from_manifest(manifest)
    assert (config.seed, config.base, config.label_map, config.data) == (3, True, {"a": "b"}, ["x.jsonl"])
    assert TrainConfig.from_manifest({"params": {}, "data_sources": ["data/corpus"]}).base is False  # older manifests


def test_retraining_keeps_the_old_model_when_the_new_one_is_worse(tmp_path, corpus):
    from training.train import train_guarded

    good = _write_jsonl(tmp_path / "good.jsonl", [r.data for r in corpus[::10]])
    config = TrainConfig(data=[str(good)], base=False, folds=3)
    first = train_guarded(config, tmp_path / "model", shared=tmp_path)  # nothing to compare with yet
    assert first.path == tmp_path / "model" and not first.kept_aside

    # The same data with almost no room to fit (C=0.001): a model that is plainly worse.
    second = train_guarded(replace(config, C=0.001), tmp_path / "model", shared=tmp_path)
    assert second.kept_aside and second.path == tmp_path / "model.candidate"
    # Which headline metric falls beyond noise depends on the small split; each regression names one, with both values.
    labels = [label for _, label, _ in HEADLINE]
    assert second.regressions and all(any(f": {label} " in line for label in labels) and " -> " in line for line in second.regressions)
    assert load_artifact(tmp_path / "model")[1]["artifact_sha256"] == first.manifest["artifact_sha256"]  # the old model stayed

    # An old model this regsec cannot read (another artifact format) protects nothing: it is replaced, and said so.
    manifest = tmp_path / "model" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": ', '"format_version": 1000'))
    third = train_guarded(config, tmp_path / "model", shared=tmp_path)
    assert third.path == tmp_path / "model" and not third.kept_aside and "artifact format" in third.replaced_unreadable
    assert load_artifact(tmp_path / "model")[1]["artifact_sha256"] == third.manifest["artifact_sha256"]
