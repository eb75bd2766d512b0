"""`regsec train`: validate labeled data, fit the classifier on the training side of the
event split, and write a versioned model folder with its manifest and card."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model import __version__
from model.artifact import save_artifact
from model.classifier import RegsecClassifier
from training.records import LabeledRecord, Problem
from training.sources import FieldMapping, load_labeled
from training.split import TEST_PERCENT, split_records

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO / "data" / "corpus"


class TrainingDataError(ValueError):
    """The labeled data cannot be trained on; `problems` says where and why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class TrainConfig:
    """Everything that decides the trained model; stored in the manifest."""

    data: list[str] = field(default_factory=list)  # the user's sources, added to the shipped corpus
    base: bool = True  # False: train on `data` alone (--no-base)
    text_field: str = "text"  # field names and label renames of the user's sources
    id_field: str = "id"
    label_map: dict[str, str] = field(default_factory=dict)
    seed: int = 0
    C: float = 10.0
    min_df: int = 2
    ngram_max: int = 2
    folds: int = 5
    test_percent: int = TEST_PERCENT
    on_error: str = "fail"  # or "skip": train on the valid records, report the rest

    def __post_init__(self) -> None:
        if self.on_error not in ("fail", "skip"):
            raise ValueError(f"on_error must be 'fail' or 'skip', got {self.on_error!r}")
        if not 0 <= self.test_percent < 100:
            raise ValueError(f"test_percent must be in [0, 100), got {self.test_percent}")
        if not self.base and not self.data:
            raise ValueError("--no-base needs data: give at least one --data source")

    @property
    def mapping(self) -> FieldMapping:
        """How the user's sources are read."""
        return FieldMapping(self.text_field, self.id_field, dict(self.label_map))

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> TrainConfig:
        """The configuration a model folder was trained with (its params and data sources)."""
        params = {k: v for k, v in manifest.get("params", {}).items() if k in cls.__dataclass_fields__ and k != "data"}
        sources = [_resolve(s) for s in manifest.get("data_sources", [])]
        if "base" not in params:  # models from before --no-base listed the corpus among their sources
            params["base"] = False
        return cls(data=sources, **params)


@dataclass
class TrainingData:
    """The records to train on and how they were gathered: counts for the manifest."""

    records: list[LabeledRecord]
    problems: list[Problem]
    base: int = 0  # shipped-corpus records kept
    user: int = 0  # the user's records kept
    replaced: int = 0  # corpus records dropped because the user's data holds them (same text or id)
    duplicates: int = 0  # the user's records dropped as repeats of an earlier one of theirs (same text)

    def counts(self) -> dict[str, int]:
        """The counts, for the manifest and the CLI."""
        return {"base": self.base, "user": self.user, "replaced": self.replaced, "duplicates": self.duplicates, "problems": len(self.problems)}


def data_hash(records: list[LabeledRecord]) -> str:
    """sha256 over the records' canonical JSON, in id order: names the training data."""
    digest = hashlib.sha256()
    for rec in sorted(records, key=lambda r: r.data["id"]):
        digest.update(json.dumps(rec.data, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def load_training_records(config: TrainConfig) -> TrainingData:
    """The user's sources (read through the config's mapping) plus, unless `base` is off, the
    shipped corpus, with duplicates dropped and counted. Raises TrainingDataError on problems
    unless `on_error` is skip."""
    user, problems = load_labeled(config.data, config.mapping) if config.data else ([], [])
    if problems and config.on_error == "fail":
        raise TrainingDataError(f"{len(problems)} problem(s) in the training data (use --on-error skip to train on the rest)", problems)
    base = load_labeled([DEFAULT_DATA])[0] if config.base else []
    data = combine(user, base)
    data.problems = problems
    if not data.records:
        raise TrainingDataError("no valid labeled records to train on", problems)
    return data


def _text_key(record: LabeledRecord) -> str:
    return " ".join(record.data["text"].split()).casefold()


def combine(user: list[LabeledRecord], base: list[LabeledRecord]) -> TrainingData:
    """The corpus plus the user's records: a user record with the same text (or id) as a corpus
    record replaces it (the newer annotation wins); repeats within the user's data are dropped."""
    kept: list[LabeledRecord] = []
    texts: set[str] = set()
    for record in user:
        key = _text_key(record)
        if key not in texts:
            texts.add(key)
            kept.append(record)
    ids = {r.data["id"] for r in kept}
    base_kept = [r for r in base if _text_key(r) not in texts and r.data["id"] not in ids]
    return TrainingData(
        base_kept + kept, [], base=len(base_kept), user=len(kept), replaced=len(base) - len(base_kept), duplicates=len(user) - len(kept)
    )


def check_trainable(records: list[LabeledRecord], folds: int) -> None:
    """Fail before any fitting when a head would have a single class or too few examples."""
    relevant = [r for r in records if r.data["topics"]]
    if len(relevant) == len(records) or not relevant:
        raise TrainingDataError("relevance needs both documents with topics and documents without (off-topic)")
    stances = {r.data["stance"] for r in relevant}
    if len(stances) < 2:
        raise TrainingDataError(f"stance needs at least two classes, got only {sorted(stances)}")
    if len({r.group for r in records}) < folds:
        raise TrainingDataError(f"need at least {folds} distinct events for {folds}-fold cross-validation")


def fit_classifier(records: list[LabeledRecord], config: TrainConfig, version: str) -> RegsecClassifier:
    """Fit a RegsecClassifier on `records` with the parameters in `config`."""
    check_trainable(records, config.folds)
    clf = RegsecClassifier(
        ngram_range=(1, config.ngram_max), min_df=config.min_df, C=config.C, folds=config.folds, seed=config.seed, version=version
    )
    return clf.fit(
        [r.data["text"] for r in records],
        [r.data["topics"] for r in records],
        [r.data["stance"] for r in records],
        [r.group for r in records],
        [r.data["voices"] for r in records],
        [r.data.get("register") for r in records],
    )


def train(config: TrainConfig, out_dir: Path, data: TrainingData | None = None) -> dict[str, Any]:
    """Train on the training side of the split and write the model folder; returns the manifest.
    `data`: the records `load_training_records(config)` gives, when the caller already has them."""
    from training.evaluate import evaluate_records  # scoring the held-out side for the manifest

    data = data or load_training_records(config)
    train_records, test_records = split_records(data.records, config.test_percent)
    digest = data_hash(data.records)
    version = f"{__version__}+{digest[:8]}"
    clf = fit_classifier(train_records, config, version)
    metrics = evaluate_records(clf, test_records) if test_records else {}
    manifest = {
        "name": "regsec",
        "version": version,
        "package_version": __version__,
        "labels": _label_set(),
        "data_sha256": digest,
        "data_sources": [_repo_relative(s) for s in config.data],
        "documents": {"train": len(train_records), "test": len(test_records), "skipped_problems": len(data.problems), "sources": data.counts()},
        "params": {**config.__dict__, "data": None},
        "topic_thresholds": dict(zip(_label_set()["topics"], clf.topic_thresholds_)),
        "metrics_test_split": metrics,
    }
    manifest["params"].pop("data")
    return save_artifact(clf, out_dir, manifest, model_card(manifest))


@dataclass
class Outcome:
    """What `train_guarded` did: the new model's manifest, where it is, and why it was kept aside."""

    manifest: dict[str, Any]
    path: Path
    regressions: list[str] = field(default_factory=list)  # what is worse than the old model (empty: nothing, or no old model)
    kept_aside: bool = False  # True: the old model stays at `out`, the new one is at `path`
    replaced_unreadable: str = ""  # why the old model could not be loaded and was replaced without comparison


def train_guarded(config: TrainConfig, out_dir: Path, shared: Path = Path("../shared"), allow_worse: bool = False) -> Outcome:
    """Train; when `out_dir` already holds a model, first compare the new one with it (its
    held-out split, and shared/eval when present) and replace it only if no headline metric
    is worse beyond resampling noise, or `allow_worse`. Otherwise the new model is left
    beside it in `<out_dir>.candidate`: retraining never silently ships a worse model."""
    import shutil

    from model.artifact import MANIFEST_FILE, ArtifactError

    if not (out_dir / MANIFEST_FILE).is_file():
        return Outcome(train(config, out_dir), out_dir)
    from training.compare import compare_models, default_eval_sets, regressions

    candidate = out_dir.with_name(out_dir.name + ".candidate")
    shutil.rmtree(candidate, ignore_errors=True)
    data = load_training_records(config)
    manifest = train(config, candidate, data)
    sets = default_eval_sets(shared, data.records, config.test_percent)
    found, unreadable = [], ""
    try:
        found = regressions(compare_models(out_dir, candidate, sets, seed=config.seed))
    except ArtifactError as exc:  # the old model cannot be loaded (damaged, older format): nothing to protect
        unreadable = str(exc)
    if found and not allow_worse:
        return Outcome(manifest, candidate, found, kept_aside=True)
    shutil.rmtree(out_dir)
    candidate.rename(out_dir)
    return Outcome(manifest, out_dir, found, replaced_unreadable=unreadable)


def _resolve(source: str) -> str:
    """A data source from a manifest: repo-relative paths are resolved against the repo."""
    path = REPO / source
    return str(path) if not Path(source).is_absolute() and path.exists() else source


def _repo_relative(source: str) -> str:
    """A source path relative to the repo when it lies inside it, so manifests are portable."""
    path = Path(source).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) and path.exists() else source


def _label_set() -> dict[str, list[str]]:
    from model.labels import ROLES, STANCES, TOPICS

    return {"topics": list(TOPICS), "stances": list(STANCES), "roles": list(ROLES)}


def model_card(manifest: dict[str, Any]) -> str:
    """A short human-readable card for the model folder."""
    m = manifest.get("metrics_test_split", {})
    lines = [
        f"# regsec model {manifest['version']}",
        "",
        "Relevance, topic (multi-label) and stance classifier for East Asian regional-security reporting,",
        "trained on the regsec corpus (`data/`, see its datasheet) with the label standard in `data/LABELS.md`.",
        "",
        f"- training documents: {manifest['documents']['train']}; held-out test documents: {manifest['documents']['test']}",
        f"- data sha256: `{manifest['data_sha256']}`",
        "- features: word 1-2-gram TF-IDF over cleaned text (scraped-page noise removed)",
        "- heads: calibrated logistic regression for relevance, each topic (tuned thresholds) and stance;",
        "  stance also reads a sentence-stance profile and the article's register probabilities",
        "- voices: actor lexicon, speaker rules, sentence- and candidate-level logistic regressions",
    ]
    if m:
        lines += [
            "",
            "## Held-out corpus test split",
            f"- relevance F1 {m['relevance']['f1']:.3f}; topic micro F1 {m['topics']['micro_f1']:.3f}, macro F1 {m['topics']['macro_f1']:.3f};"
            f" stance macro F1 {m['stance']['macro_f1']:.3f}",
            "",
            "Scores on real published articles are in `reports/evaluation.md`; they are lower, and they are the ones to trust.",
        ]
    lines += ["", "## Limits", "English only. Trained on written corpus text, not on scraped news at scale; see `reports/`.", ""]
    return "\n".join(lines)
