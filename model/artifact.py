"""The model on disk: a folder with `model.joblib`, `manifest.json` and `MODEL_CARD.md`.

joblib files run code when loaded, so `load_artifact` checks the file's sha256 against the
manifest before unpickling anything. The pickled classifier holds numpy arrays and regsec's
own classes only (no scikit-learn objects): the numpy major version must match; the
scikit-learn version that trained it is recorded for provenance."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from model.classifier import RegsecClassifier

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"
# 2: LinearHeads weights stored (heads, features); 3: stance profile of 11 columns; 4: terms looked up by word ids;
# 5: register probabilities after the profile (model.register). Format 4 models still load: they read no register.
FORMAT_VERSION = 5
READABLE_FORMATS = (4, 5)
DEFAULT_DIR = Path(__file__).parent / "default"


class ArtifactError(RuntimeError):
    """The model folder is missing, damaged, tampered with or from incompatible software."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_artifact(clf: RegsecClassifier, directory: Path, manifest: dict[str, Any], card: str) -> dict[str, Any]:
    """Write the fitted classifier, its manifest (with sha256 and versions added) and card."""
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    joblib.dump(clf, model_path, compress=3)
    manifest = {
        **manifest,
        "format_version": FORMAT_VERSION,
        "sklearn_version": _sklearn_version(),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "artifact_file": MODEL_FILE,
        "artifact_sha256": sha256_of(model_path),
        "artifact_bytes": model_path.stat().st_size,
    }
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (directory / CARD_FILE).write_text(card, encoding="utf-8")
    return manifest


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a model folder, or an ArtifactError saying what is wrong with it."""
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise ArtifactError(f"{path}: no manifest; point --model at a folder written by `regsec train`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path}: manifest is not valid JSON ({exc}); retrain or restore the folder") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") not in READABLE_FORMATS:
        raise ArtifactError(
            f"{path}: artifact format {manifest.get('format_version') if isinstance(manifest, dict) else '?'} "
            f"is not one this regsec reads ({', '.join(map(str, READABLE_FORMATS))}); retrain with `regsec train`"
        )
    return manifest


def load_artifact(directory: Path | str | None = None) -> tuple[RegsecClassifier, dict[str, Any]]:
    """Verify and load a model folder (the packaged default when `directory` is None)."""
    directory = Path(directory) if directory is not None else DEFAULT_DIR
    manifest = read_manifest(directory)
    model_path = directory / manifest.get("artifact_file", MODEL_FILE)
    if not model_path.is_file():
        raise ArtifactError(f"{model_path}: model file missing; retrain or restore the folder")
    if sha256_of(model_path) != manifest.get("artifact_sha256"):
        raise ArtifactError(
            f"{model_path}: sha256 does not match the manifest; the file is damaged or was replaced. "
            "Refusing to unpickle it; restore the original or retrain with `regsec train`"
        )
    saved_numpy = str(manifest.get("numpy_version", "0"))
    if saved_numpy.split(".")[0] != np.__version__.split(".")[0]:
        raise ArtifactError(
            f"{directory}: saved with numpy {saved_numpy}, this environment has numpy {np.__version__} (another major version); "
            f"install numpy=={saved_numpy} or retrain with `regsec train`"
        )
    return _checked(joblib.load(model_path), str(model_path)), manifest


def load_artifact_bytes(data: bytes, sha256: str) -> RegsecClassifier:
    """A classifier from a model file's bytes (shipped to a worker), unpickled only when they
    match the manifest's `sha256`."""
    import io

    if hashlib.sha256(data).hexdigest() != sha256:
        raise ArtifactError(f"model bytes do not match sha256 {sha256}; refusing to unpickle them")
    return _checked(joblib.load(io.BytesIO(data)), f"model bytes {sha256[:12]}")


def _checked(clf: object, name: str) -> RegsecClassifier:
    if not isinstance(clf, RegsecClassifier):
        raise ArtifactError(f"{name}: holds a {type(clf).__name__}, not a RegsecClassifier")
    return clf

