"""Exported model files: skops loads the same classifier without running code; ONNX scores
relevance and topics as the numpy path does. Each test skips when its extra is not installed."""

import copy
import json
import os

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from model.artifact import DEFAULT_DIR, ArtifactError, sha256_of
from model.cli import EXIT_MODEL_ERROR
from model.export import (
    SKOPS_TRUSTED_TYPES,
    OnnxScorer,
    UntrustedTypesError,
    build_onnx,
    decide,
    export_onnx,
    export_skops,
    load_skops,
    manifest_path_for,
)
from model.export_cli import EXIT_USAGE, export
from model.labels import TOPICS
from tests.conftest import REPO
from training.sources import load_labeled
from training.split import split_records


@pytest.fixture(scope="module")
def test_texts():
    """The corpus' held-out test split, as `regsec train` makes it."""
    records, problems = load_labeled([REPO / "data" / "corpus"])
    assert problems == []
    _, test = split_records(records)
    return [r.data["text"] for r in test]


@pytest.fixture(scope="module")
def skops_file(tmp_path_factory):
    pytest.importorskip("skops")
    path = tmp_path_factory.mktemp("skops") / "regsec.skops"
    export_skops(DEFAULT_DIR, path)
    return path


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory, default_model):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    path = tmp_path_factory.mktemp("onnx") / "regsec.onnx"
    export_onnx(default_model, path)
    return path


# ------------------------------------------------------------------------- skops
def test_skops_model_predicts_the_same_records_as_joblib(skops_file, default_model, test_texts):
    restored = load_skops(skops_file)
    assert [p.to_dict() for p in restored.predict(test_texts)] == [p.to_dict() for p in default_model.predict(test_texts)]


def test_skops_manifest_beside_the_file_names_its_hash_and_version(skops_file, default_model):
    manifest = json.loads(manifest_path_for(skops_file).read_text())
    assert manifest["artifact_format"] == "skops" and manifest["artifact_file"] == "regsec.skops"
    assert manifest["artifact_sha256"] == sha256_of(skops_file)
    assert manifest["version"] == default_model.version
    assert manifest["exported_from"]["artifact_file"] == "model.joblib"


def test_skops_file_changed_after_export_is_refused(skops_file, tmp_path):
    copy_path = tmp_path / skops_file.name
    copy_path.write_bytes(skops_file.read_bytes() + b"tampered")
    manifest_path_for(copy_path).write_bytes(manifest_path_for(skops_file).read_bytes())
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        load_skops(copy_path)


class Tripwire:
    """Writes a file if it is ever constructed from a skops file: proof that code ran."""

    def __setstate__(self, state):
        with open(state["path"], "w") as handle:
            handle.write("code ran")


@pytest.mark.parametrize("payload", ["tripwire", "os.system"])
def test_skops_file_asking_for_an_unlisted_type_is_refused_before_anything_runs(payload, default_model, tmp_path):
    sio = pytest.importorskip("skops.io")
    marker = tmp_path / "ran.txt"
    tripwire = Tripwire()
    tripwire.__dict__["path"] = str(marker)
    doctored = copy.copy(default_model)
    doctored.hook = tripwire if payload == "tripwire" else os.system
    path = tmp_path / "doctored.skops"
    sio.dump(doctored, path)
    unlisted = "test_export.Tripwire" if payload == "tripwire" else ".system"
    with pytest.raises(UntrustedTypesError, match=rf"outside regsec's allow-list: \S*{unlisted}"):
        load_skops(path)
    assert not marker.exists()


def test_skops_load_refuses_what_is_not_a_classifier_or_not_skops(tmp_path):
    sio = pytest.importorskip("skops.io")
    sio.dump({"weights": np.zeros(3)}, tmp_path / "dict.skops")
    with pytest.raises(ArtifactError, match="holds a dict, not a RegsecClassifier"):
        load_skops(tmp_path / "dict.skops")
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ArtifactError, match="not a readable skops file"):
        load_skops(tmp_path / "junk.skops")
    with pytest.raises(ArtifactError, match="no such skops file"):
        load_skops(tmp_path / "missing.skops")


def test_trusted_types_are_a_reviewed_list_of_regsec_classes():
    assert all(name.startswith("model.") for name in SKOPS_TRUSTED_TYPES)


# -------------------------------------------------------------------------- ONNX
def test_onnx_scores_match_the_numpy_path_on_the_corpus_test_split(onnx_file, default_model, test_texts):
    """Both compute in float64 from the same weights: agreement to rounding (measured ~3e-15)."""
    relevance, topic_scores, _ = default_model.predict_scores(test_texts)
    onnx_relevance, onnx_topic_scores = OnnxScorer(onnx_file).scores(test_texts)
    assert np.abs(relevance - onnx_relevance).max() < 1e-9
    assert np.abs(topic_scores - onnx_topic_scores).max() < 1e-9


def test_onnx_labels_match_predict_on_the_corpus_test_split(onnx_file, default_model, test_texts):
    labels = OnnxScorer(onnx_file).labels(test_texts)
    expected = default_model.predict(test_texts, voices=False)
    assert [(label["relevant"], label["topics"]) for label in labels] == [(p.relevant, p.topics) for p in expected]
    assert sum(label["relevant"] for label in labels) > len(labels) / 2  # a real mix, not all one answer


def test_onnx_metadata_carries_what_turns_scores_into_labels(onnx_file, default_model):
    onnx = pytest.importorskip("onnx")
    meta = {p.key: p.value for p in onnx.load(onnx_file).metadata_props}
    assert json.loads(meta["topics"]) == list(TOPICS)
    assert json.loads(meta["topic_thresholds"]) == default_model.topic_thresholds_
    assert float(meta["relevance_threshold"]) == default_model.relevance_threshold
    assert meta["model_version"] == default_model.version
    assert "stance" in meta["not_exported"] and "voices" in meta["not_exported"]


@pytest.mark.parametrize(
    "texts",
    [
        [""],
        ["", "   ", "a b c"],  # no token of two characters anywhere in the batch
        ["ÉCOLE ÜBER Straße SEOUL Tokyo 2017 _under_score"],  # non-ASCII lower-casing, digits, underscores
        ["North Korea fired a missile. " * 300, "Japan and South Korea signed an intelligence-sharing pact."],
    ],
)
def test_onnx_agrees_on_edge_inputs(onnx_file, default_model, texts):
    relevance, topic_scores, _ = default_model.predict_scores(texts)
    onnx_relevance, onnx_topic_scores = OnnxScorer(onnx_file, batch_size=2).scores(texts)
    assert np.allclose(relevance, onnx_relevance, atol=1e-9) and np.allclose(topic_scores, onnx_topic_scores, atol=1e-9)


def test_onnx_scorer_refuses_a_bare_string_and_a_changed_file(onnx_file, tmp_path):
    with pytest.raises(TypeError, match="wrap it"):
        OnnxScorer(onnx_file).scores("North Korea fired a missile")
    copy_path = tmp_path / onnx_file.name
    copy_path.write_bytes(onnx_file.read_bytes()[:-10])
    manifest_path_for(copy_path).write_bytes(manifest_path_for(onnx_file).read_bytes())
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        OnnxScorer(copy_path)


def test_float32_graph_is_close_but_not_exact(default_model, test_texts, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    path = tmp_path / "regsec32.onnx"
    path.write_bytes(build_onnx(default_model, double=False).SerializeToString())
    relevance, topic_scores, _ = default_model.predict_scores(test_texts[:100])
    onnx_relevance, onnx_topic_scores = OnnxScorer(path).scores(test_texts[:100])
    assert np.abs(relevance - onnx_relevance).max() < 1e-5 and np.abs(topic_scores - onnx_topic_scores).max() < 1e-5


def test_decide_takes_the_likeliest_topic_when_none_reaches_its_threshold():
    scores = np.array([[0.2, 0.3] + [0.0] * 8, [0.9, 0.95] + [0.0] * 8])
    decided = decide(np.array([0.9, 0.9]), scores, 0.5, [0.5] * 10)
    assert decided == [(True, ["missile_defense"]), (True, ["missile_defense", "nuclear_missile"])]
    assert decide(np.array([0.1]), scores[:1], 0.5, [0.5] * 10) == [(False, [])]


# --------------------------------------------------------------------------- CLI
def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(export)
    return app


def test_cli_writes_each_format_with_its_manifest(tmp_path):
    pytest.importorskip("skops")
    pytest.importorskip("onnx")
    for fmt in ("skops", "onnx"):
        result = CliRunner().invoke(_cli(), ["--format", fmt, "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"regsec.{fmt}").is_file() and manifest_path_for(tmp_path / f"regsec.{fmt}").is_file()


def test_cli_bad_format_and_unloadable_model(tmp_path):
    result = CliRunner().invoke(_cli(), ["--format", "pickle"])
    assert result.exit_code == EXIT_USAGE
    result = CliRunner().invoke(_cli(), ["--format", "onnx", "--model", str(tmp_path), "--out", str(tmp_path / "x.onnx")])
    assert result.exit_code == EXIT_MODEL_ERROR and "cannot load model" in result.stderr
    assert not (tmp_path / "x.onnx").exists()
