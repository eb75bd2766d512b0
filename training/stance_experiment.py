"""Stance-head experiment: refit only the document-stance head with other "room each side
gets" profiles and score each variant on the corpus test split, shared dev and the seeds.

Relevance, topics and voices come from the packaged model (unchanged), so every variant is
compared with the same relevance decisions; stance macro F1 is `training.evaluate.score`'s
(documents with gold topics; a document judged off-topic counts as stance `none`), and the
dev difference from the baseline gets `training.compare`'s paired bootstrap interval.

Run: python -m training.stance_experiment [variant ...]   (default: every variant, in order)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack

from model.artifact import load_artifact
from model.features import make_vectorizer
from model.labels import STANCES
from model.prediction import Prediction
from model.sentences import SENTENCE_STANCES, split_sentences
from model.stance_profile import StanceProfile, out_of_fold_profiles
from model.text_cleaning import clean_text
from model.voices import VoiceExtractor
from training.compare import bootstrap_metrics
from training.evaluate import read_seeds, score
from training.records import LabeledRecord
from training.sources import load_labeled
from training.split import split_records
from training.train import REPO, TrainConfig, load_training_records

SHARED_DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
SEEDS = REPO / "seeds"
FOLDS = 5
SEED = 0
C = 10.0

# A profile maker: (cleaned texts, gold voices, event groups) -> (out-of-fold train rows, transform for new texts).
ProfileMaker = Callable[[list[str], list[list[dict]], np.ndarray], tuple[np.ndarray, Callable[[list[str]], np.ndarray]]]


# ------------------------------------------------------------------ profiles
def _out_of_fold(fit: Callable[[list[str], list[list[dict]]], Callable[[list[str]], np.ndarray]], width: int) -> ProfileMaker:
    """Out-of-fold rows for training articles (event folds), and a transform fit on all of them."""
    from sklearn.model_selection import GroupKFold

    def make(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
        out = np.zeros((len(texts), width))
        for train_idx, held_idx in GroupKFold(n_splits=FOLDS).split(np.zeros(len(texts)), groups=groups):
            transform = fit([texts[i] for i in train_idx], [voices[i] for i in train_idx])
            out[held_idx] = transform([texts[i] for i in held_idx])
        return out, fit(texts, voices)

    return make


def no_profile(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
    """N-grams alone."""
    return np.zeros((len(texts), 0)), lambda new: np.zeros((len(new), 0))


BINARY_COLUMNS = 8  # the packaged profile's binary-model columns (it has shipped binary+balance3 since this experiment)


def binary_profile(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
    """The packaged profile's binary-model columns (model.stance_profile), as RegsecClassifier.fit builds them."""
    oof = out_of_fold_profiles(texts, voices, groups, FOLDS, SEED)
    transform = StanceProfile(seed=SEED).fit(texts, voices).transform
    return oof[:, :BINARY_COLUMNS], lambda new: transform(new)[:, :BINARY_COLUMNS]


def fit_sentence_classifier(texts: list[str], voices: list[list[dict]], drop_voiced: bool = False) -> tuple[Any, Any]:
    """Three-class sentence model: evidence sentences are support/oppose, every other sentence
    of the article is `none` (with `drop_voiced`, sentences naming a voiced actor are left out,
    as VoiceExtractor does)."""
    from sklearn.linear_model import LogisticRegression

    from model.actors import find_mentions

    sentences, labels = [], []
    for text, doc_voices in zip(texts, voices):
        evidence = {v["evidence"].strip(): v["stance"] for v in doc_voices}
        voiced = {v["actor"] for v in doc_voices}
        for sentence in split_sentences(text):
            label = next((s for e, s in evidence.items() if sentence in e or e in sentence), None)
            if label is None and drop_voiced and any(m.actor in voiced for m in find_mentions(sentence)):
                continue
            sentences.append(sentence)
            labels.append(label or "none")
    vectorizer = make_vectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5)
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000, random_state=SEED)
    model.fit(vectorizer.fit_transform(sentences), [SENTENCE_STANCES.index(label) for label in labels])
    return vectorizer, model


def sentence_probabilities(text: str, vectorizer: Any, model: Any) -> np.ndarray:
    """(sentences, 3) support / oppose / none probabilities of an article's sentences (scikit-learn
    directly: the experiment does not depend on model.features' numpy transform)."""
    sentences = split_sentences(text)
    if not sentences:
        return np.zeros((0, 3))
    return model.predict_proba(vectorizer.transform(sentences))


THREE_CLASS_SIZE = 10


def three_class_row(p: np.ndarray) -> np.ndarray:
    """Room each side gets among evaluative sentences: masses, shares, confident counts,
    strongest sentence per side, and balance (min/max mass; both sides confidently present)."""
    if len(p) == 0:
        return np.zeros(THREE_CLASS_SIZE)
    support, oppose = p[:, 0].sum(), p[:, 1].sum()
    evaluative = support + oppose
    confident_support, confident_oppose = (p.argmax(axis=1) == 0) & (p[:, 0] > 0.5), (p.argmax(axis=1) == 1) & (p[:, 1] > 0.5)
    return np.array(
        [
            support / (evaluative + 1e-6),  # support share of the evaluative mass
            evaluative / len(p),  # how evaluative the article is
            np.log1p(support),
            np.log1p(oppose),
            np.log1p(confident_support.sum()),
            np.log1p(confident_oppose.sum()),
            p[:, 0].max(),
            p[:, 1].max(),
            min(support, oppose) / (max(support, oppose) + 1e-6),  # balance: 1 = comparable room
            float(confident_support.any() and confident_oppose.any()),  # both sides have a confident sentence
        ]
    )


def _three_class_fit(drop_voiced: bool, rows: Callable[[np.ndarray], np.ndarray], width: int) -> ProfileMaker:
    def fit(texts: list[str], voices: list[list[dict]]) -> Callable[[list[str]], np.ndarray]:
        features, heads = fit_sentence_classifier(texts, voices, drop_voiced)
        return lambda new: np.array([rows(sentence_probabilities(t, features, heads)) for t in new]).reshape(len(new), width)

    return _out_of_fold(fit, width)


def balance_only_row(p: np.ndarray) -> np.ndarray:
    """Only the balance part of the three-class profile: support share, balance, both sides."""
    row = three_class_row(p)
    return row[[0, 8, 9]]


VOICE_SIZE = 6


def voice_row(found: Sequence[Any]) -> np.ndarray:
    """Counts of support / oppose voices the extractor finds, their shares, both-sides indicator."""
    support = sum(v.stance == "support" for v in found)
    oppose = sum(v.stance == "oppose" for v in found)
    support_score = sum(v.score for v in found if v.stance == "support")
    oppose_score = sum(v.score for v in found if v.stance == "oppose")
    return np.array(
        [
            np.log1p(support),
            np.log1p(oppose),
            float(support > 0 and oppose > 0),
            min(support_score, oppose_score) / (max(support_score, oppose_score) + 1e-6),
            support_score / (support_score + oppose_score + 1e-6),
            float(support + oppose == 0),
        ]
    )


def _voice_fit(groups_for_inner: bool = True) -> ProfileMaker:
    from sklearn.model_selection import GroupKFold

    def make(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
        out = np.zeros((len(texts), VOICE_SIZE))
        for train_idx, held_idx in GroupKFold(n_splits=FOLDS).split(np.zeros(len(texts)), groups=groups):
            extractor = VoiceExtractor(folds=FOLDS, seed=SEED).fit([texts[i] for i in train_idx], [voices[i] for i in train_idx], groups[train_idx])
            out[held_idx] = [voice_row(extractor.extract(texts[i])) for i in held_idx]
        return out, None  # the eval transform uses the packaged extractor (fit on all training articles)

    return make


def combined(*makers: ProfileMaker) -> ProfileMaker:
    """Profiles side by side."""

    def make(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
        parts = [m(texts, voices, groups) for m in makers]
        return np.hstack([p[0] for p in parts]), lambda new: np.hstack([p[1](new) for p in parts])

    return make


# ------------------------------------------------------------------ harness
@dataclass
class EvalSet:
    """Gold records, cleaned texts and the packaged model's predictions (relevance, topics, voices)."""

    name: str
    gold: list[dict[str, Any]]
    cleaned: list[str]
    packaged: list[Prediction]


@dataclass
class Harness:
    """Training side of the event split, its n-gram matrix, and the eval sets."""

    cleaned: list[str]
    voices: list[list[dict]]
    groups: np.ndarray
    y: np.ndarray
    vectorizer: Any
    X: Any
    sets: list[EvalSet]
    extractor: VoiceExtractor


def build_harness() -> Harness:
    """Load the records as training/train.py does and score the packaged model once."""
    config = TrainConfig()
    data = load_training_records(config)
    train, test = split_records(data.records, config.test_percent)
    clf, manifest = load_artifact(None)
    from training.train import data_hash

    if data_hash(data.records)[:8] != manifest["version"].split("+")[-1]:
        print("WARNING: corpus differs from the packaged model's training data", file=sys.stderr)
    relevant = [r for r in train if r.data["topics"]]
    cleaned_all = [clean_text(r.data["text"]) for r in train]
    vectorizer = make_vectorizer(ngram_range=(1, config.ngram_max), min_df=config.min_df)
    X_all = vectorizer.fit_transform(cleaned_all)
    idx = [i for i, r in enumerate(train) if r.data["topics"]]
    sets = []
    named: list[tuple[str, list[LabeledRecord]]] = [("corpus_test", test), ("shared_eval_dev", load_labeled([SHARED_DEV])[0]), ("seeds", read_seeds(SEEDS)[0])]
    for name, records in named:
        gold = [r.data for r in records]
        texts = [g["text"] for g in gold]
        sets.append(EvalSet(name, gold, [clean_text(t) for t in texts], clf.predict(texts, ids=[g["id"] for g in gold], voices=True)))
    return Harness(
        cleaned=[cleaned_all[i] for i in idx],
        voices=[r.data["voices"] for r in relevant],
        groups=np.asarray([r.group for r in relevant]),
        y=np.array([STANCES.index(r.data["stance"]) for r in relevant]),
        vectorizer=vectorizer,
        X=X_all[idx],
        sets=sets,
        extractor=clf.voices_,
    )


def fit_stance_head(X: Any, y: np.ndarray, groups: np.ndarray, c: float = C) -> Any:
    """RegsecClassifier._calibrated: logistic regression, sigmoid-calibrated on event folds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    splits = list(GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups))
    estimator = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
    return CalibratedClassifierCV(estimator, method="sigmoid", cv=splits, ensemble=False).fit(X, y)


def run_variant(h: Harness, name: str, maker: ProfileMaker, c: float = C, scale: float = 1.0, stack: bool = False) -> dict[str, Any]:
    """Fit the stance head with `maker`'s profile; stance predictions and scores on every set.
    Joint (default, as RegsecClassifier does): one logistic regression over n-grams and profile
    columns. `stack`: the n-gram regression's out-of-fold decisions (3 numbers) and the profile
    feed a small calibrated logistic regression (C=1), so the profile is weighed against n-gram
    evidence as reliable as it is on unseen articles, not against in-sample fitted n-grams."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    start = time.time()
    oof, transform = maker(h.cleaned, h.voices, h.groups)
    width = oof.shape[1]
    if stack:
        splits = list(GroupKFold(n_splits=FOLDS).split(np.zeros(len(h.y)), h.y, h.groups))
        ngram_model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
        ngram_oof = cross_val_predict(ngram_model, h.X, h.y, cv=splits, method="decision_function")
        ngram_model.fit(h.X, h.y)
        head = fit_stance_head(np.hstack([ngram_oof, oof * scale]), h.y, h.groups, 1.0)
        n_first = 3
    else:
        head = fit_stance_head(hstack([h.X, csr_matrix(oof * scale)]).tocsr(), h.y, h.groups, c)
        n_first = h.X.shape[1]
    classes = [STANCES[k] for k in head.classes_]
    result: dict[str, Any] = {"variant": name, "profile_width": width, "sets": {}}
    for s in h.sets:
        if transform is None:  # voice features at prediction time: the packaged extractor's voices
            profile = np.array([voice_row(p.voices) if p.relevant else voice_row(h.extractor.extract(t)) for p, t in zip(s.packaged, s.cleaned)])
        else:
            profile = transform(s.cleaned)
        profile = profile.reshape(len(s.cleaned), width) * scale
        ngrams = h.vectorizer.transform(s.cleaned)
        X = np.hstack([ngram_model.decision_function(ngrams), profile]) if stack else hstack([ngrams, csr_matrix(profile)]).tocsr()
        proba = head.predict_proba(X)
        estimator = head.calibrated_classifiers_[0].estimator
        decisions = estimator.decision_function(X)
        profile_part = profile @ estimator.coef_[:, n_first:].T if width else np.zeros_like(decisions)
        predictions = []
        for p, row in zip(s.packaged, proba):
            scores = {label: round(float(row[classes.index(label)]), 4) for label in STANCES}
            stance = max(scores, key=scores.get) if p.relevant else None
            predictions.append(replace(p, stance=stance, stance_scores=scores))
        metrics = score(s.gold, predictions)["stance"]
        entry = {"macro_f1": metrics["macro_f1"], "per_label_f1": metrics["per_label_f1"], "predictions": predictions}
        if s.name == "seeds":
            entry["seed_detail"] = [
                {
                    "id": g["id"],
                    "gold": g["stance"],
                    "predicted": p.stance,
                    "scores": p.stance_scores,
                    "ngram_decisions": dict(zip(classes, np.round(decisions[i] - profile_part[i], 2).tolist())),
                    "profile_decisions": dict(zip(classes, np.round(profile_part[i], 2).tolist())),
                }
                for i, (g, p) in enumerate(zip(s.gold, predictions))
            ]
        result["sets"][s.name] = entry
    result["seconds"] = round(time.time() - start, 1)
    return result


def paired_interval(gold: list[dict], old: list[Prediction], new: list[Prediction]) -> tuple[float, float]:
    """95% paired-bootstrap interval of new - old stance macro F1 (training.compare's bootstrap)."""
    old_boot, new_boot = bootstrap_metrics(gold, old, new, seed=SEED)
    low, high = np.percentile(new_boot["stance_macro_f1"] - old_boot["stance_macro_f1"], [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


VARIANTS: dict[str, tuple[ProfileMaker, dict[str, float]]] = {
    "baseline_binary": (binary_profile, {}),
    "ngrams_only": (no_profile, {}),
    "three_class": (_three_class_fit(False, three_class_row, THREE_CLASS_SIZE), {}),
    "three_class_dropvoiced": (_three_class_fit(True, three_class_row, THREE_CLASS_SIZE), {}),
    "balance3": (_three_class_fit(False, balance_only_row, 3), {}),
    "binary+balance3": (combined(binary_profile, _three_class_fit(False, balance_only_row, 3)), {}),
    "binary+three_class": (combined(binary_profile, _three_class_fit(False, three_class_row, THREE_CLASS_SIZE)), {}),
    "voices": (_voice_fit(), {}),
    "three_class+voices": (combined(_three_class_fit(False, three_class_row, THREE_CLASS_SIZE), _voice_fit()), {}),
}


def parse_variant(name: str) -> tuple[ProfileMaker, float, float, bool]:
    """`three_class`, or with stance-head settings: `C=1,scale=3,stack=1:three_class` (C of the
    n-gram logistic regression; scale multiplies the profile columns, lowering their effective
    penalty; stack=1 stacks out-of-fold n-gram decisions and the profile, see run_variant)."""
    settings, _, base = name.rpartition(":")
    values = dict(part.split("=") for part in settings.split(",") if part)
    if base not in VARIANTS or set(values) - {"C", "scale", "stack"}:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)} (optionally prefixed C=..,scale=..,stack=1:)")
    return VARIANTS[base][0], float(values.get("C", C)), float(values.get("scale", 1.0)), values.get("stack") == "1"


def main(names: Sequence[str]) -> None:
    """Run the named variants (all by default) and print one JSON line per variant."""
    h = build_harness()
    baseline = None
    for s in h.sets:  # the packaged model's own stance, for the reproduction check
        print(json.dumps({"variant": "packaged", "set": s.name, "macro_f1": score(s.gold, s.packaged)["stance"]["macro_f1"]}), flush=True)
    for name in names or list(VARIANTS):
        maker, c, scale, stack = parse_variant(name)
        result = run_variant(h, name, maker, c, scale, stack)
        if baseline is None:
            baseline = run_variant(h, "baseline_binary", binary_profile) if name != "baseline_binary" else result
            packaged = {s.name: [p.stance for p in s.packaged] for s in h.sets}
            same = {k: packaged[k] == [p.stance for p in v["predictions"]] for k, v in baseline["sets"].items()}
            print(json.dumps({"baseline_reproduces_packaged_stance": same}), flush=True)
        row = {"variant": name, "seconds": result["seconds"], "width": result["profile_width"]}
        for set_name, entry in result["sets"].items():
            row[set_name] = entry["macro_f1"]
            if set_name != "seeds":
                gold = next(s.gold for s in h.sets if s.name == set_name)
                row[set_name + "_interval_vs_baseline"] = paired_interval(gold, baseline["sets"][set_name]["predictions"], entry["predictions"])
                row[set_name + "_per_label"] = entry["per_label_f1"]
        row["seeds"] = result["sets"]["seeds"]["seed_detail"]
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
