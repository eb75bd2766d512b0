"""Stance-head experiment: refit only the document-stance head with other "room each side
gets" profiles and score each variant on the corpus test split, shared dev and the seeds.

Relevance, topics and voices come from the packaged model (unchanged), so every variant is
compared with the same relevance decisions; stance macro F1 is `training.evaluate.score`'s
(documents with gold topics; a document judged off-topic counts as stance `none`), and the
difference from the baseline (`shipped`, the packaged profile, checked to reproduce the packaged
model's stance) on corpus test and dev gets `training.compare`'s paired bootstrap interval.

Run: python -m training.stance_experiment [variant ...]   (default: every variant, in order)
     python -m training.stance_experiment --cost [variant ...]   (microseconds per article of each profile)
"""

from __future__ import annotations

import json
import re
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
from model.register import RegisterModel
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
        parts = [_cached(m, texts, voices, groups) for m in makers]
        return np.hstack([p[0] for p in parts]), lambda new: np.hstack([p[1](new) for p in parts])

    return make


# ------------------------------------------------------------------ sentence views (2026-11-30 variants)
# The shipped profile's two sentence models, read sentence by sentence: every later variant is
# the shipped 11 columns plus (or in place of some of) numbers computed from these views.
LEAD = 3  # sentences of the lead: wire reports frame the story there
CONFIDENT = 0.5  # a sentence takes a side when the three-class model's argmax is that side above this


@dataclass
class SentenceView:
    """One article as the shipped profile sees it: sentences, the binary model's support
    probability and the three-class (support, oppose, none) probabilities of each, and the
    shipped 11-column profile row."""

    sentences: list[str]
    support: np.ndarray
    p3: np.ndarray
    shipped: np.ndarray


def sentence_views(profile: StanceProfile, texts: Sequence[str]) -> list[SentenceView]:
    """Views of cleaned `texts` through a fitted StanceProfile (the packaged numpy transform)."""
    from model.linear import sigmoid, softmax
    from model.tokens import TokenBatch

    split = [split_sentences(t) for t in texts]
    batch = TokenBatch.from_sentences([[sentence_tokens_of(s) for s in doc] for doc in split])
    shipped = profile.transform_batch(batch)
    if profile.heads_ is None or batch.first_sentence[-1] == 0:
        return [SentenceView(doc, np.zeros(len(doc)), np.zeros((len(doc), 3)), row) for doc, row in zip(split, shipped)]
    support = sigmoid(profile.heads_.decisions(profile.features_.transform_sentences(batch))[:, 0])
    p3 = softmax(profile.three_heads_.decisions(profile.three_features_.transform_sentences(batch)))
    bounds = batch.first_sentence
    return [SentenceView(doc, support[bounds[a] : bounds[a + 1]], p3[bounds[a] : bounds[a + 1]], shipped[a]) for a, doc in enumerate(split)]


def sentence_tokens_of(sentence: str) -> list[str]:
    """A sentence's tokens, as model.sentences.sentence_tokens makes them."""
    from model.tokens import tokenize

    return tokenize(sentence)


_VIEW_CACHE: dict[int, tuple[list[SentenceView], StanceProfile]] = {}


def training_views(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[list[SentenceView], StanceProfile]:
    """Out-of-fold views of the training articles (the folds of model.stance_profile.out_of_fold_profiles,
    so their shipped rows are exactly what RegsecClassifier.fit reads) and the profile fit on all of
    them; computed once per process and shared by every view variant."""
    from sklearn.model_selection import GroupKFold

    key = hash((tuple(texts), tuple(groups.tolist())))
    if key not in _VIEW_CACHE:
        views: list[SentenceView | None] = [None] * len(texts)
        for train_idx, held_idx in GroupKFold(n_splits=FOLDS).split(np.zeros(len(texts)), groups=groups):
            profile = StanceProfile(seed=SEED).fit([texts[i] for i in train_idx], [voices[i] for i in train_idx])
            for i, view in zip(held_idx, sentence_views(profile, [texts[i] for i in held_idx])):
                views[i] = view
        _VIEW_CACHE[key] = (views, StanceProfile(seed=SEED).fit(texts, voices))  # type: ignore[assignment]
    return _VIEW_CACHE[key]


ViewRow = Callable[[SentenceView], np.ndarray]


def view_profile(*rows: ViewRow) -> ProfileMaker:
    """A profile maker whose columns are `rows` of each article's sentence view, side by side."""

    def row(view: SentenceView) -> np.ndarray:
        return np.concatenate([np.atleast_1d(r(view)) for r in rows])

    def make(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
        views, full = training_views(texts, voices, groups)
        return np.array([row(v) for v in views]), lambda new: np.array([row(v) for v in sentence_views(full, new)])

    return make


def shipped_row(view: SentenceView) -> np.ndarray:
    """The packaged profile: 8 binary-model columns and 3 three-class balance columns."""
    return view.shipped


def balance3_row(view: SentenceView) -> np.ndarray:
    """Only the packaged profile's three-class balance columns."""
    return view.shipped[BINARY_COLUMNS:]


def confident_sides(p3: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which sentences confidently support, which confidently oppose (three-class argmax above CONFIDENT)."""
    if len(p3) == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    side = p3.argmax(axis=1)
    return (side == 0) & (p3[:, 0] > CONFIDENT), (side == 1) & (p3[:, 1] > CONFIDENT)


def sentence_holders(sentence: str) -> list[tuple[str, str]]:
    """(actor, role) of those who hold a sentence's position: its speakers, else the first actor named."""
    from model.actors import find_mentions
    from model.voices import holders

    mentions = find_mentions(sentence)
    return [(m.actor, m.role) for m in holders(sentence, mentions)[0]] if mentions else []


HOLDER_SIZE = 4


def holder_row(view: SentenceView) -> np.ndarray:
    """Who holds each side: distinct (actor, role) holding confidently supporting vs confidently
    opposing sentences (an actor on both sides counts where it has more sentences, nowhere on a tie),
    as log counts, their balance min/max and the support share of holders (0.5 with none).
    Only confident sentences are read, so find_mentions runs on a few sentences per article."""
    support, oppose = confident_sides(view.p3)
    tally: dict[tuple[str, str], int] = {}
    for i in np.flatnonzero(support | oppose):
        for key in set(sentence_holders(view.sentences[i])):
            tally[key] = tally.get(key, 0) + (1 if support[i] else -1)
    n_support = sum(v > 0 for v in tally.values())
    n_oppose = sum(v < 0 for v in tally.values())
    return np.array(
        [
            np.log1p(n_support),
            np.log1p(n_oppose),
            min(n_support, n_oppose) / max(n_support, n_oppose, 1),
            n_support / (n_support + n_oppose) if n_support + n_oppose else 0.5,
        ]
    )


LEAD_SIZE = 5


def lead_row(view: SentenceView) -> np.ndarray:
    """Framing in the lead against the body, and how much of the article takes no position:
    mean support and oppose probability over the first LEAD sentences and over the rest, and the
    mean `none` probability of all sentences (the standard's "no one evaluates the target")."""
    p = view.p3
    if len(p) == 0:
        return np.zeros(LEAD_SIZE)
    lead, rest = p[:LEAD], p[LEAD:]
    rest_means = rest[:, :2].mean(axis=0) if len(rest) else np.zeros(2)
    return np.array([*lead[:, :2].mean(axis=0), *rest_means, p[:, 2].mean()])


ENTROPY_SIZE = 2


def entropy_row(view: SentenceView) -> np.ndarray:
    """How mixed the sentence stances are: entropy (bits) of the article's support/oppose/none mass,
    and of the support/oppose split of its side-taking mass (1 = the two sides level)."""
    p = view.p3
    if len(p) == 0:
        return np.zeros(ENTROPY_SIZE)
    mass = p.sum(axis=0) / len(p)
    sides = mass[:2] / (mass[:2].sum() + 1e-9)

    def bits(q: np.ndarray) -> float:
        q = q[q > 0]
        return float(-(q * np.log2(q)).sum())

    return np.array([bits(mass) / np.log2(3), bits(sides)])


def gated_binary_row(view: SentenceView) -> np.ndarray:
    """The packaged profile's 8 binary-model columns, each sentence weighted by how likely it is to
    take a side at all (1 - the three-class `none` probability): the binary model must call every
    factual sentence support or oppose, and ungated those sentences count as critics or supporters."""
    s, p = view.support, view.p3
    if len(s) == 0:
        return np.zeros(BINARY_COLUMNS)
    o = 1.0 - s
    side = 1.0 - p[:, 2]
    weight = np.abs(s - o) * side
    mass = weight.sum() + 1e-6
    confident_support, confident_oppose = (side * (s > 0.5)).sum(), (side * (o > 0.5)).sum()
    return np.array(
        [
            (s * weight).sum() / mass,
            (o * weight).sum() / mass,
            confident_support / len(s),
            confident_oppose / len(s),
            (s * side).max(),
            (o * side).max(),
            np.log1p(confident_support),
            np.log1p(confident_oppose),
        ]
    )


# ------------------------------------------------------------------ harness
@dataclass
class EvalSet:
    """Gold records, cleaned texts and the packaged model's predictions (relevance, topics, voices)."""

    name: str
    gold: list[dict[str, Any]]
    cleaned: list[str]
    packaged: list[Prediction]
    ngram_texts: list[str] | None = None  # what the stance head's n-grams read, when not the cleaned text
    ngram_columns: np.ndarray | None = None  # the n-gram columns the stance head reads, when not all


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
    all_cleaned: list[str]  # every training article, relevant or not (the vectorizer's fit)


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
    _REGISTER_OF.update({text: r.data.get("register") for text, r in zip(cleaned_all, train)})
    vectorizer = make_vectorizer(ngram_range=(1, config.ngram_max), min_df=config.min_df)
    X_all = vectorizer.fit_transform(cleaned_all)
    _VECTORIZER[:] = [vectorizer]
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
        all_cleaned=cleaned_all,
    )


def fit_stance_head(X: Any, y: np.ndarray, groups: np.ndarray, c: float = C) -> Any:
    """RegsecClassifier._calibrated: logistic regression, sigmoid-calibrated on event folds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    splits = list(GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups))
    estimator = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
    return CalibratedClassifierCV(estimator, method="sigmoid", cv=splits, ensemble=False).fit(X, y)


_PROFILES: dict[tuple[int, int], tuple[np.ndarray, Any]] = {}


def _cached(maker: ProfileMaker, texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Any]:
    """A maker's profile of the harness' training articles, made once: variants of one maker share it."""
    key = (id(maker), id(texts))
    if key not in _PROFILES:
        _PROFILES[key] = maker(texts, voices, groups)
    return _PROFILES[key]


def run_variant(h: Harness, name: str, maker: ProfileMaker, c: float = C, scale: float = 1.0, stack: bool = False) -> dict[str, Any]:
    """Fit the stance head with `maker`'s profile; stance predictions and scores on every set.
    Joint (default, as RegsecClassifier does): one logistic regression over n-grams and profile
    columns. `stack`: the n-gram regression's out-of-fold decisions (3 numbers) and the profile
    feed a small calibrated logistic regression (C=1), so the profile is weighed against n-gram
    evidence as reliable as it is on unseen articles, not against in-sample fitted n-grams."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    start = time.time()
    oof, transform = _cached(maker, h.cleaned, h.voices, h.groups)
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
    if not stack:  # selection number that never reads an eval set: stance macro F1 of the training articles, out of fold
        result["train_out_of_fold_macro_f1"] = out_of_fold_macro_f1(hstack([h.X, csr_matrix(oof * scale)]).tocsr(), h.y, h.groups, c)
    for s in h.sets:
        if transform is None:  # voice features at prediction time: the packaged extractor's voices
            profile = np.array([voice_row(p.voices) if p.relevant else voice_row(h.extractor.extract(t)) for p, t in zip(s.packaged, s.cleaned)])
        else:
            profile = transform(s.cleaned)
        profile = profile.reshape(len(s.cleaned), width) * scale
        ngrams = h.vectorizer.transform(s.ngram_texts or s.cleaned)
        ngrams = ngrams if s.ngram_columns is None else ngrams[:, s.ngram_columns]
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


def narrated_harness(h: Harness) -> Harness:
    """The harness with the stance head's n-grams read from each article's narration only."""
    vectorizer = make_vectorizer(ngram_range=h.vectorizer.ngram_range, min_df=h.vectorizer.min_df)
    vectorizer.fit([narration(t) for t in h.all_cleaned])
    sets = [replace(s, ngram_texts=[narration(t) for t in s.cleaned]) for s in h.sets]
    return replace(h, vectorizer=vectorizer, X=vectorizer.transform([narration(t) for t in h.cleaned]), sets=sets)


def out_of_fold_macro_f1(X: Any, y: np.ndarray, groups: np.ndarray, c: float = C) -> float:
    """Stance macro F1 of the head's logistic regression over event folds of the training articles
    (the folds the profiles were made out of, so a held-out article's profile never saw its own fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold, cross_val_predict

    splits = list(GroupKFold(n_splits=FOLDS).split(np.zeros(len(y)), y, groups))
    estimator = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
    return round(float(f1_score(y, cross_val_predict(estimator, X, y, cv=splits), average="macro")), 4)


def paired_interval(gold: list[dict], old: list[Prediction], new: list[Prediction]) -> tuple[float, float]:
    """95% paired-bootstrap interval of new - old stance macro F1 (training.compare's bootstrap)."""
    old_boot, new_boot = bootstrap_metrics(gold, old, new, seed=SEED)
    low, high = np.percentile(new_boot["stance_macro_f1"] - old_boot["stance_macro_f1"], [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


# ------------------------------------------------------------------ register (2026-11-30, stop 14)
_REGISTER_OF: dict[str, str] = {}  # cleaned training text -> its `register` label, filled by build_harness
_VECTORIZER: list[Any] = []  # the harness' n-gram vectorizer (the packaged model's), set by build_harness


ADVOCACY = ("op_ed", "state_media", "government_statement")  # registers that argue a side (3 of 442 relevant ones neutral)


def advocacy_profile(texts: list[str], voices: list[list[dict]], groups: np.ndarray) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
    """A coarser register: advocacy (op-ed, state media, government statement) against reporting."""
    return register_profile(texts, voices, groups, coarse=True)


def register_profile(
    texts: list[str], voices: list[list[dict]], groups: np.ndarray, coarse: bool = False
) -> tuple[np.ndarray, Callable[[list[str]], np.ndarray]]:
    """The packaged register columns (model.register): probabilities of the corpus' `register`
    labels from the article n-grams, out of fold for training articles."""
    from model.features import TfidfFeatures
    from model.sentences import sentence_tokens
    from model.tokens import TokenBatch

    model = RegisterModel(folds=FOLDS, seed=SEED)
    registers = [_REGISTER_OF.get(t) for t in texts]
    if coarse:
        registers = [None if r is None else "advocacy" if r in ADVOCACY else "reporting" for r in registers]
    oof = model.fit_out_of_fold(_VECTORIZER[0].transform(texts), registers, groups)
    features = TfidfFeatures.from_vectorizer(_VECTORIZER[0])

    def transform(new: list[str]) -> np.ndarray:
        return model.probabilities(features.transform_articles(TokenBatch.from_sentences([sentence_tokens(t) for t in new])))

    return oof, transform


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
# 2026-11-30: the shipped profile (binary+balance3 through model.stance_profile) and additions to it, as rows of sentence views
VIEW_VARIANTS: dict[str, tuple[ViewRow, ...]] = {
    "shipped": (shipped_row,),
    "shipped+holders": (shipped_row, holder_row),
    "shipped+lead": (shipped_row, lead_row),
    "shipped+entropy": (shipped_row, entropy_row),
    "gated+balance3": (gated_binary_row, balance3_row),
    "shipped+gated": (shipped_row, gated_binary_row),
    "shipped+lead+entropy": (shipped_row, lead_row, entropy_row),
}
VARIANTS.update({name: (view_profile(*rows), {}) for name, rows in VIEW_VARIANTS.items()})
VARIANTS["register"] = (register_profile, {})
VARIANTS["shipped+register"] = (combined(VARIANTS["shipped"][0], register_profile), {})
VARIANTS["shipped+advocacy"] = (combined(VARIANTS["shipped"][0], advocacy_profile), {})
BASELINE = "shipped+register"  # what every variant's paired interval is against: the packaged model's stance head (0.3.0 on)


QUOTED = re.compile(r"“[^”\n]*(?:”|$)|\"[^\"\n]*(?:\"|$)", re.MULTILINE)


def narration(text: str) -> str:
    """The article without its quotations (curly or straight, to the end of the paragraph when
    unclosed): what the writer says in their own words."""
    return QUOTED.sub(" ", text)


def frequent_ngrams_harness(h: Harness, min_df: int) -> Harness:
    """The harness with the stance head reading only n-grams in at least `min_df` training articles.
    Document frequencies come from the fitted vectorizer's smoothed idf, idf = ln((1 + n) / (1 + df)) + 1,
    so they are those of the texts it was fit on (the narration, when the harness reads narration)."""
    df = np.rint((1 + len(h.all_cleaned)) / np.exp(h.vectorizer.idf_ - 1) - 1)
    keep = np.flatnonzero(df >= min_df)
    sets = [replace(s, ngram_columns=keep) for s in h.sets]
    return replace(h, X=h.X[:, keep], sets=sets)


def parse_variant(name: str) -> tuple[ProfileMaker, float, float, bool, bool, int]:
    """`three_class`, or with stance-head settings: `C=1,scale=3,stack=1:three_class` (C of the
    n-gram logistic regression; scale multiplies the profile columns, lowering their effective
    penalty; stack=1 stacks out-of-fold n-gram decisions and the profile, see run_variant;
    ngrams=narration reads n-grams with quotations removed; mindf=K keeps n-grams of K+ articles)."""
    settings, _, base = name.rpartition(":")
    values = dict(part.split("=") for part in settings.split(",") if part)
    if base not in VARIANTS or set(values) - {"C", "scale", "stack", "ngrams", "mindf"}:
        raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)} (optionally prefixed C=..,scale=..,stack=1,ngrams=narration,mindf=..:)")
    if values.get("ngrams") not in (None, "narration"):
        raise SystemExit(f"unknown ngrams={values['ngrams']!r} in {name!r}; the one option is ngrams=narration")
    narrated, min_df = values.get("ngrams") == "narration", int(values.get("mindf", 0))
    return VARIANTS[base][0], float(values.get("C", C)), float(values.get("scale", 1.0)), values.get("stack") == "1", narrated, min_df


def stance_errors(gold: list[dict], predictions: list[Prediction]) -> dict[str, Any]:
    """The error pattern under study, over documents with gold topics: neutral recall, oppose
    precision, gold neutral predicted oppose, and how often oppose is predicted."""
    pairs = [(g["stance"], p.stance) for g, p in zip(gold, predictions) if g["topics"]]
    neutral = [predicted for want, predicted in pairs if want == "neutral"]
    said_oppose = [want for want, predicted in pairs if predicted == "oppose"]
    return {
        "neutral_recall": round(neutral.count("neutral") / max(1, len(neutral)), 3),
        "oppose_precision": round(said_oppose.count("oppose") / max(1, len(said_oppose)), 3),
        "neutral_as_oppose": f"{neutral.count('oppose')}/{len(neutral)}",
        "oppose_predicted_right": f"{said_oppose.count('oppose')}/{len(said_oppose)}",
    }


def eval_texts() -> list[str]:
    """Cleaned texts of the corpus test split and shared dev: the articles prediction cost is measured on."""
    config = TrainConfig()
    _, test = split_records(load_training_records(config).records, config.test_percent)
    return [clean_text(r.data["text"]) for r in [*test, *load_labeled([SHARED_DEV])[0]]]


def _best_seconds(run: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure_cost(names: Sequence[str]) -> None:
    """Microseconds per article, best of 3, on the corpus test split and dev through the packaged
    profile: the shipped profile's transform (batches of 256, tokens ready), the whole stance path
    without voices (`predict_scores`, from raw text), and each view variant's columns beyond the
    shipped ones (per-article Python over ready sentence views: an upper bound for numpy-only columns)."""
    from model.tokens import TokenBatch

    clf, _ = load_artifact(None)
    texts = eval_texts()
    batches = [TokenBatch.from_sentences([[sentence_tokens_of(s) for s in split_sentences(t)] for t in texts[i : i + 256]]) for i in range(0, len(texts), 256)]
    per_article = 1e6 / len(texts)
    row = {"articles": len(texts)}
    row["shipped_profile_us"] = round(_best_seconds(lambda: [clf.profile_.transform_batch(b) for b in batches]) * per_article, 1)
    row["predict_scores_us"] = round(_best_seconds(lambda: [clf.predict_scores(texts[i : i + 256]) for i in range(0, len(texts), 256)]) * per_article, 1)
    views = sentence_views(clf.profile_, texts)
    for name in names or [n for n in VIEW_VARIANTS if n != BASELINE]:
        extra = [r for r in VIEW_VARIANTS[name] if r is not shipped_row]
        _ = [r(v) for v in views for r in extra]  # warm caches (regex compilation)
        row[name + "_extra_us"] = round(_best_seconds(lambda extra=extra: [r(v) for v in views for r in extra]) * per_article, 1)
    print(json.dumps(row), flush=True)


def main(names: Sequence[str]) -> None:
    """Run the named variants (all by default) and print one JSON line per variant; intervals are
    against BASELINE, which is checked to reproduce the packaged model's stance predictions."""
    h = build_harness()
    for s in h.sets:  # the packaged model's own stance, for the reproduction check
        print(json.dumps({"variant": "packaged", "set": s.name, "macro_f1": score(s.gold, s.packaged)["stance"]["macro_f1"]}), flush=True)
    baseline = None
    for name in names or list(VARIANTS):
        maker, c, scale, stack, narrated, min_df = parse_variant(name)
        variant_h = narrated_harness(h) if narrated else h
        variant_h = frequent_ngrams_harness(variant_h, min_df) if min_df else variant_h
        result = run_variant(variant_h, name, maker, c, scale, stack)
        if baseline is None:
            baseline = run_variant(h, BASELINE, VARIANTS[BASELINE][0]) if name != BASELINE else result
            packaged = {s.name: [p.stance for p in s.packaged] for s in h.sets}
            same = {k: packaged[k] == [p.stance for p in v["predictions"]] for k, v in baseline["sets"].items()}
            print(json.dumps({"baseline": BASELINE, "baseline_reproduces_packaged_stance": same}), flush=True)
        row = {"variant": name, "seconds": result["seconds"], "width": result["profile_width"], "train_oof": result.get("train_out_of_fold_macro_f1")}
        for set_name, entry in result["sets"].items():
            row[set_name] = entry["macro_f1"]
            if set_name != "seeds":
                gold = next(s.gold for s in h.sets if s.name == set_name)
                row[set_name + "_interval_vs_baseline"] = paired_interval(gold, baseline["sets"][set_name]["predictions"], entry["predictions"])
                row[set_name + "_per_label"] = entry["per_label_f1"]
                row[set_name + "_errors"] = stance_errors(gold, entry["predictions"])
        row["seeds"] = result["sets"]["seeds"]["seed_detail"]
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cost"]:
        measure_cost(sys.argv[2:])
    else:
        main(sys.argv[1:])
