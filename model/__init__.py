"""regsec: topic, stance and relevance classifier for East Asian regional-security reporting.

    >>> from model import load
    >>> clf = load()
    >>> clf.predict(["North Korea fired a ballistic missile into the sea on Tuesday ..."])[0].topics
"""

from __future__ import annotations

from pathlib import Path

from model.classifier import RegsecClassifier
from model.prediction import Prediction, Voice

__version__ = "0.3.0"
__all__ = ["Prediction", "RegsecClassifier", "Voice", "__version__", "info", "load"]


def load(path: str | Path | None = None) -> RegsecClassifier:
    """Load and verify a model folder; the packaged default model when `path` is None."""
    from model.artifact import load_artifact

    clf, _ = load_artifact(path)
    return clf


def info(path: str | Path | None = None) -> dict:
    """A model folder's manifest: version, labels, thresholds, metrics, training data hash and
    artifact sha256 (read without loading the model)."""
    from model.artifact import DEFAULT_DIR, read_manifest

    return read_manifest(Path(path) if path is not None else DEFAULT_DIR)
