import json
import shutil

import pytest

from model.artifact import DEFAULT_DIR, MANIFEST_FILE, MODEL_FILE, ArtifactError, load_artifact, save_artifact


@pytest.fixture()
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_packaged_model_loads_with_its_manifest():
    clf, manifest = load_artifact()
    assert manifest["name"] == "regsec" and manifest["version"] == clf.version
    assert set(manifest["labels"]["topics"]) == set(clf.predict(["x"])[0].topic_scores)


def test_tampered_artifact_is_refused_before_unpickling(model_copy):
    with open(model_copy / MODEL_FILE, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        load_artifact(model_copy)


def test_truncated_artifact_is_refused(model_copy):
    data = (model_copy / MODEL_FILE).read_bytes()
    (model_copy / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        load_artifact(model_copy)


def test_other_numpy_major_version_names_the_fix(model_copy):
    manifest = json.loads((model_copy / MANIFEST_FILE).read_text())
    manifest["numpy_version"] = "0.0.1"
    (model_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"install numpy==0.0.1 or retrain"):
        load_artifact(model_copy)


def test_manifest_from_another_format_version(model_copy):
    manifest = json.loads((model_copy / MANIFEST_FILE).read_text())
    manifest["format_version"] = 99
    (model_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="retrain"):
        load_artifact(model_copy)


def test_a_format_4_model_from_before_the_register_still_loads_and_predicts(tmp_path):
    from model.stance_profile import PROFILE_SIZE

    clf, manifest = load_artifact()
    del clf.register_  # a 0.2.0 model: no register, stance weights for the profile's columns only
    clf.profile_weights_ = clf.profile_weights_[:PROFILE_SIZE]
    save_artifact(clf, tmp_path / "old", manifest, "old model")
    old_manifest = json.loads((tmp_path / "old" / MANIFEST_FILE).read_text())
    (tmp_path / "old" / MANIFEST_FILE).write_text(json.dumps({**old_manifest, "format_version": 4}))
    old, _ = load_artifact(tmp_path / "old")
    (record,) = old.predict(["Seoul and Tokyo signed a military intelligence pact on Wednesday; Beijing protested."])
    assert record.relevant and abs(sum(record.stance_scores.values()) - 1.0) < 1e-3


def test_missing_folder_or_broken_manifest(tmp_path, model_copy):
    with pytest.raises(ArtifactError, match="no manifest"):
        load_artifact(tmp_path / "nowhere")
    (model_copy / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        load_artifact(model_copy)
