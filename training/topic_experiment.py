"""Topic-head experiment: does sentence-level evidence help topics that one sentence of a long
article carries? Each topic head (the shipped logistic regression over article TF-IDF) also scores
every sentence's TF-IDF row (same vectorizer, l2-normalized rows); variants combine the article's
score with its strongest sentences' and re-tune thresholds out of fold, as RegsecClassifier does.

The baseline is retrained here exactly as RegsecClassifier.fit trains the topic heads (same split,
vectorizer, event folds, sigmoid calibration, thresholds), so only the topic decision differs
between variants; relevance comes from a relevance head retrained the same way and is shared.
Scores: topic micro / macro / per-label F1 (`training.evaluate.score`) on the corpus test split
and shared dev, with `training.compare`'s paired bootstrap interval against the baseline, the
seeds' predicted topics, and the runtime cost of the sentence step (`--cost`).

Run: python -m training.topic_experiment [variant ...] [--cost] [--out reports/topic_experiment.md]
(default: every variant; --cost adds the timing, --cost-only runs the timing alone; selection reads
the corpus out-of-fold and test figures, dev is the final check)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model.classifier import MAX_CHARS, _best_f1_threshold
from model.features import make_vectorizer
from model.labels import TOPICS
from model.language import looks_english
from model.prediction import Prediction
from model.sentences import split_sentences
from model.text_cleaning import clean_text
from model.tokens import tokenize
from training.compare import bootstrap_metrics
from training.evaluate import read_seeds, score
from training.sources import load_labeled
from training.split import split_records
from training.train import REPO, TrainConfig, load_training_records

SHARED_DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
SEEDS = REPO / "seeds"
DEFAULT_REPORT = REPO / "reports" / "topic_experiment.md"
RELEVANCE_THRESHOLD = 0.5
STAGE2_C = 1.0  # the second-stage regression reads 2-4 numbers: mild regularization, no class weights (its output is the probability)


# ------------------------------------------------------------------ data
@dataclass
class Documents:
    """Cleaned articles, their article TF-IDF rows and every sentence's row (in article order)."""

    ids: list[str]
    cleaned: list[str]
    X: Any  # (articles, features) sparse
    S: Any  # (sentences, features) sparse, l2-normalized rows
    first_sentence: np.ndarray  # (articles + 1,): article a owns sentence rows first_sentence[a]:first_sentence[a + 1]
    english: np.ndarray
    P: Any  # (pairs, features): each two adjacent sentences as one row (a one-sentence article: that sentence)
    first_pair: np.ndarray  # as first_sentence, for the pair rows

    @property
    def sentence_counts(self) -> np.ndarray:
        """Sentences per article."""
        return np.diff(self.first_sentence)


def featurize(vectorizer: Any, ids: list[str], texts: list[str]) -> Documents:
    """Clean as prediction does, then TF-IDF rows of each article and of each of its sentences."""
    cleaned = [clean_text(t[:MAX_CHARS]) for t in texts]
    sentences = [split_sentences(t) for t in cleaned]
    first = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sentences], out=first[1:])
    flat = [s for doc in sentences for s in doc]
    pairs = [[f"{a} {b}" for a, b in zip(doc, doc[1:])] or doc for doc in sentences]
    first_pair = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pairs], out=first_pair[1:])
    return Documents(
        ids,
        cleaned,
        vectorizer.transform(cleaned),
        vectorizer.transform(flat),
        first,
        np.array([looks_english(tokenize(t)) for t in cleaned]),
        vectorizer.transform([p for doc in pairs for p in doc]),
        first_pair,
    )


@dataclass
class EvalSet:
    """Gold records of one evaluation set and their features."""

    name: str
    gold: list[dict[str, Any]]
    docs: Documents


@dataclass
class Data:
    """Training side of the event split and the evaluation sets."""

    train: Documents
    groups: np.ndarray
    relevant: np.ndarray
    Y: np.ndarray
    sets: list[EvalSet]
    version: str


def load_data() -> Data:
    """Records and split as `regsec train` makes them; the vectorizer is fit on the training side."""
    config = TrainConfig()
    data = load_training_records(config)
    train, test = split_records(data.records, config.test_percent)
    from training.train import data_hash

    vectorizer = make_vectorizer(ngram_range=(1, config.ngram_max), min_df=config.min_df)
    train_texts = [clean_text(r.data["text"]) for r in train]
    vectorizer.fit(train_texts)
    docs = featurize(vectorizer, [r.data["id"] for r in train], [r.data["text"] for r in train])
    sets = []
    dev = load_labeled([SHARED_DEV])[0] if SHARED_DEV.is_file() else []
    for name, records in (("corpus_test", test), ("shared_eval_dev", dev), ("seeds", read_seeds(SEEDS)[0])):
        if records:
            gold = [r.data for r in records]
            sets.append(EvalSet(name, gold, featurize(vectorizer, [g["id"] for g in gold], [g["text"] for g in gold])))
    return Data(
        train=docs,
        groups=np.asarray([r.group for r in train]),
        relevant=np.array([bool(r.data["topics"]) for r in train]),
        Y=np.array([[label in r.data["topics"] for label in TOPICS] for r in train], dtype=int),
        sets=sets,
        version=data_hash(data.records)[:8],
    )


# ------------------------------------------------------------------ stage one: the shipped heads, also on sentences
def _estimator(seed: int = 0) -> Any:
    """RegsecClassifier._estimator."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=10.0, class_weight="balanced", max_iter=5000, random_state=seed)


def event_folds(groups: np.ndarray, folds: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """RegsecClassifier._splits: event-grouped folds (they do not depend on the labels)."""
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=folds).split(np.zeros(len(groups)), groups=groups))


@dataclass
class Evidence:
    """One head's decisions: articles and sentences, out of fold for training, full fit for eval sets."""

    train_article: np.ndarray  # (articles,)
    train_sentence: np.ndarray  # (sentences,)
    platt: Any  # sigmoid calibrator fit on the out-of-fold article decisions (as CalibratedClassifierCV does)
    eval_article: dict[str, np.ndarray] = field(default_factory=dict)
    eval_sentence: dict[str, np.ndarray] = field(default_factory=dict)
    train_pair: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eval_pair: dict[str, np.ndarray] = field(default_factory=dict)

    def summaries(self, name: str | None, docs: Documents) -> dict[str, np.ndarray]:
        """Sentence and pair summaries of the training articles (name None) or of an eval set."""
        article = self.train_article if name is None else self.eval_article[name]
        sentence = self.train_sentence if name is None else self.eval_sentence[name]
        pair = self.train_pair if name is None else self.eval_pair[name]
        by_pair = sentence_summaries(pair, docs.first_pair, article)
        return {**sentence_summaries(sentence, docs.first_sentence, article), "pair_max": by_pair["max"], "pair_top2": by_pair["top2"]}


def head_evidence(data: Data, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]) -> Evidence:
    """A topic head as RegsecClassifier fits it (CalibratedClassifierCV(sigmoid, ensemble=False) is a
    full fit plus Platt scaling of cross_val_predict decisions), with each held-out article's sentences
    scored by the same fold's model."""
    from sklearn.calibration import _SigmoidCalibration

    train = data.train
    owner = np.repeat(np.arange(len(train.ids)), train.sentence_counts)
    pair_owner = np.repeat(np.arange(len(train.ids)), np.diff(train.first_pair))
    article, sentence, pair = np.zeros(len(y)), np.zeros(train.S.shape[0]), np.zeros(train.P.shape[0])
    for fit_idx, held_idx in folds:
        model = _estimator().fit(train.X[fit_idx], y[fit_idx])
        article[held_idx] = model.decision_function(train.X[held_idx])
        rows = np.flatnonzero(np.isin(owner, held_idx))
        sentence[rows] = model.decision_function(train.S[rows])
        rows = np.flatnonzero(np.isin(pair_owner, held_idx))
        pair[rows] = model.decision_function(train.P[rows])
    full = _estimator().fit(train.X, y)
    evidence = Evidence(article, sentence, _SigmoidCalibration().fit(article, y), train_pair=pair)
    for s in data.sets:
        evidence.eval_article[s.name] = full.decision_function(s.docs.X)
        evidence.eval_sentence[s.name] = full.decision_function(s.docs.S) if s.docs.S.shape[0] else np.zeros(0)
        evidence.eval_pair[s.name] = full.decision_function(s.docs.P) if s.docs.P.shape[0] else np.zeros(0)
    return evidence


def sentence_summaries(sentence: np.ndarray, first_sentence: np.ndarray, article: np.ndarray) -> dict[str, np.ndarray]:
    """Per article: the strongest sentence's decision (`max`), the mean of the two strongest (`top2`,
    the one sentence for a one-sentence article) and log(1 + sentences) (`length`); an article
    without sentences takes its article decision."""
    counts = np.diff(first_sentence)
    owner = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-sentence, owner))
    rank = np.arange(len(order)) - first_sentence[owner[order]]
    best, second = order[rank == 0], order[rank == 1]
    filled = counts > 0
    top_max = article.copy()
    top_max[filled] = sentence[best]
    top2 = top_max.copy()
    has_two = counts >= 2
    top2[has_two] = (sentence[best[has_two[filled]]] + sentence[second]) / 2
    return {"max": top_max, "top2": top2, "length": np.log1p(counts)}


# ------------------------------------------------------------------ stage two: variants
# A variant: (article decisions, summaries, labels, folds, Platt) for training articles ->
# (out-of-fold probabilities, predict(article decisions, summaries) -> probabilities).
Predictor = Callable[[np.ndarray, dict[str, np.ndarray]], np.ndarray]
Variant = Callable[[np.ndarray, dict[str, np.ndarray], np.ndarray, list, Any], tuple[np.ndarray, Predictor]]


def article_only(article: np.ndarray, summary: dict[str, np.ndarray], y: np.ndarray, folds: list, platt: Any) -> tuple[np.ndarray, Predictor]:
    """The shipped head: the article's calibrated probability."""
    return platt.predict(article), lambda a, s: platt.predict(a)


def stacked(*columns: str) -> Variant:
    """A per-topic logistic regression over the article decision and the named sentence summaries,
    fit on out-of-fold stage-one decisions; its own out-of-fold probabilities tune the threshold."""

    def variant(article: np.ndarray, summary: dict[str, np.ndarray], y: np.ndarray, folds: list, platt: Any) -> tuple[np.ndarray, Predictor]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import cross_val_predict

        def table(a: np.ndarray, s: dict[str, np.ndarray]) -> np.ndarray:
            return np.column_stack([a, *(s[c] for c in columns)])

        model = LogisticRegression(C=STAGE2_C, max_iter=1000)
        oof = cross_val_predict(model, table(article, summary), y, cv=folds, method="predict_proba")[:, 1]
        model.fit(table(article, summary), y)
        return oof, lambda a, s: model.predict_proba(table(a, s))[:, 1]

    return variant


def max_of_calibrated(column: str) -> Variant:
    """max(article probability, sentence summary's own Platt-calibrated probability)."""

    def variant(article: np.ndarray, summary: dict[str, np.ndarray], y: np.ndarray, folds: list, platt: Any) -> tuple[np.ndarray, Predictor]:
        from sklearn.calibration import _SigmoidCalibration

        sentence_platt = _SigmoidCalibration().fit(summary[column], y)
        return (
            np.maximum(platt.predict(article), sentence_platt.predict(summary[column])),
            lambda a, s: np.maximum(platt.predict(a), sentence_platt.predict(s[column])),
        )

    return variant


SELECT_GAIN = 0.01  # set before any selected variant was scored: one F1 point out of fold


def best_oof_f1(y: np.ndarray, proba: np.ndarray) -> float:
    """F1 of out-of-fold probabilities at their tuned threshold."""
    predicted = proba >= _best_f1_threshold(y, proba)
    tp = int((predicted & (y == 1)).sum())
    return 2 * tp / max(1, int(predicted.sum()) + int(y.sum()))


def selected(candidate: Variant, gain: float = SELECT_GAIN) -> Variant:
    """Per topic, `candidate` where its out-of-fold F1 beats the article head's by `gain`, else the
    article head: sentence evidence only for topics whose training articles show it helps."""

    def variant(article: np.ndarray, summary: dict[str, np.ndarray], y: np.ndarray, folds: list, platt: Any) -> tuple[np.ndarray, Predictor]:
        base = article_only(article, summary, y, folds, platt)
        other = candidate(article, summary, y, folds, platt)
        return other if best_oof_f1(y, other[0]) >= best_oof_f1(y, base[0]) + gain else base

    return variant


VARIANTS: dict[str, Variant] = {
    "baseline": article_only,
    "stack_max": stacked("max"),
    "max_calibrated": max_of_calibrated("max"),
    "stack_top2": stacked("top2"),
    "max_calibrated_top2": max_of_calibrated("top2"),
    "stack_max_top2_length": stacked("max", "top2", "length"),
    "stack_pair_max": stacked("pair_max"),
    "stack_pair_max_top2_length": stacked("pair_max", "pair_top2", "length"),
    "select_stack_max_top2_length": selected(stacked("max", "top2", "length")),
    "select_stack_pair_max": selected(stacked("pair_max")),
}


# ------------------------------------------------------------------ running
@dataclass
class TopicModel:
    """Fitted relevance and per-topic evidence, shared by every variant."""

    relevance: dict[str, np.ndarray]
    evidence: list[Evidence]
    folds: list


def fit_stage_one(data: Data) -> TopicModel:
    """Relevance head (as RegsecClassifier fits it) and each topic head's evidence."""
    from sklearn.calibration import CalibratedClassifierCV

    folds = event_folds(data.groups)
    head = CalibratedClassifierCV(_estimator(), method="sigmoid", cv=folds, ensemble=False).fit(data.train.X, data.relevant.astype(int))
    relevance = {s.name: head.predict_proba(s.docs.X)[:, 1] for s in data.sets}
    evidence = []
    for k, label in enumerate(TOPICS):
        start = time.time()
        evidence.append(head_evidence(data, data.Y[:, k], folds))
        print(f"stage one: {label} {time.time() - start:.1f}s", file=sys.stderr, flush=True)
    return TopicModel(relevance, evidence, folds)


def oof_f1(Y: np.ndarray, proba: np.ndarray, thresholds: np.ndarray) -> dict[str, float]:
    """Micro and macro F1 of out-of-fold decisions on the training articles (thresholds tuned on them: optimistic, but alike for every variant)."""
    P = proba >= thresholds
    tp, fp, fn = (Y & P).sum(axis=0), (~Y.astype(bool) & P).sum(axis=0), (Y.astype(bool) & ~P).sum(axis=0)
    per_label = 2 * tp / np.maximum(1, 2 * tp + fp + fn)
    return {
        "micro_f1": round(float(2 * tp.sum() / max(1, 2 * tp.sum() + fp.sum() + fn.sum())), 4),
        "macro_f1": round(float(per_label.mean()), 4),
        "per_label_f1": {t: round(float(f), 4) for t, f in zip(TOPICS, per_label)},
    }


def predictions(ids: list[str], relevance: np.ndarray, english: np.ndarray, proba: np.ndarray, thresholds: np.ndarray, version: str) -> list[Prediction]:
    """RegsecClassifier.predict's topic decisions: relevant articles get the topics past their
    thresholds (the likeliest one when none is), by descending score."""
    out = []
    for i, doc_id in enumerate(ids):
        relevant = bool(relevance[i] >= RELEVANCE_THRESHOLD) and bool(english[i])
        order = np.argsort(-proba[i], kind="stable")
        topics = [TOPICS[k] for k in order if proba[i, k] >= thresholds[k]] if relevant else []
        if relevant and not topics:
            topics = [TOPICS[order[0]]]
        scores = {label: round(float(p), 4) for label, p in zip(TOPICS, proba[i])}
        out.append(Prediction(doc_id, relevant, round(float(relevance[i]), 4), topics, scores, None, {}, version))
    return out


def run_variant(data: Data, fitted: TopicModel, name: str) -> dict[str, Any]:
    """Fit the variant's second stage per topic; its decisions and scores on every set."""
    variant = VARIANTS[name]
    oof = np.zeros(data.Y.shape)
    thresholds = np.zeros(len(TOPICS))
    eval_proba = {s.name: np.zeros((len(s.gold), len(TOPICS))) for s in data.sets}
    for k, ev in enumerate(fitted.evidence):
        summary = ev.summaries(None, data.train)
        oof[:, k], predict = variant(ev.train_article, summary, data.Y[:, k], fitted.folds, ev.platt)
        thresholds[k] = _best_f1_threshold(data.Y[:, k], oof[:, k])
        for s in data.sets:
            eval_proba[s.name][:, k] = predict(ev.eval_article[s.name], ev.summaries(s.name, s.docs))
    result: dict[str, Any] = {"variant": name, "thresholds": dict(zip(TOPICS, thresholds.tolist())), "oof": oof_f1(data.Y, oof, thresholds), "sets": {}}
    for s in data.sets:
        preds = predictions(s.docs.ids, fitted.relevance[s.name], s.docs.english, eval_proba[s.name], thresholds, name)
        topics = score(s.gold, preds)["topics"]
        result["sets"][s.name] = {
            "micro_f1": topics["micro_f1"],
            "macro_f1": topics["macro_f1"],
            "per_label_f1": {t: topics["per_label"][t]["f1"] for t in TOPICS},
            "support": {t: topics["per_label"][t]["support"] for t in TOPICS},
            "predictions": preds,
        }
    return result


def intervals(gold: list[dict], old: list[Prediction], new: list[Prediction]) -> dict[str, Any]:
    """95% paired-bootstrap intervals of new - old topic micro, macro and per-label F1 (training.compare's bootstrap)."""
    old_boot, new_boot = bootstrap_metrics(gold, old, new, seed=0)

    def interval(diff: np.ndarray) -> list[float]:
        return [round(float(v), 3) for v in np.percentile(diff, [2.5, 97.5])]

    return {
        "micro_f1": interval(new_boot["topic_micro_f1"] - old_boot["topic_micro_f1"]),
        "macro_f1": interval(new_boot["topic_macro_f1"] - old_boot["topic_macro_f1"]),
        "per_label_f1": {t: interval(new_boot["per_label_f1"][:, k] - old_boot["per_label_f1"][:, k]) for k, t in enumerate(TOPICS)},
    }


def seed_rows(data: Data, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per seed: gold and predicted topics, what is missing or extra, history_memory's score and threshold."""
    s = next((s for s in data.sets if s.name == "seeds"), None)
    if s is None:
        return []
    rows = []
    for g, p in zip(s.gold, result["sets"]["seeds"]["predictions"]):
        rows.append(
            {
                "id": g["id"],
                "predicted": p.topics,
                "missing": [t for t in g["topics"] if t not in p.topics],
                "extra": [t for t in p.topics if t not in g["topics"]],
                "history_memory": [p.topic_scores["history_memory"], result["thresholds"]["history_memory"]],
            }
        )
    return rows


# ------------------------------------------------------------------ prediction cost
def measure_cost(repeats: int = 3, batch_size: int = 256) -> dict[str, Any]:
    """us/article of the packaged model's no-voices predict on every corpus article, and of the extra
    sentence step a sentence-evidence head adds to it (sentence TF-IDF rows from the batch's tokens,
    the ten topic heads on them, per-article max and top-2 mean, a 3-number second stage): best of `repeats`."""
    from model import load
    from model.linear import LinearHeads, sigmoid
    from model.sentences import sentence_tokens
    from model.tokens import TokenBatch

    clf = load()
    texts = [r.data["text"] for r in load_labeled([REPO / "data" / "corpus"])[0]]
    batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    token_batches = [TokenBatch.from_sentences([sentence_tokens(clean_text(t[:MAX_CHARS])) for t in b]) for b in batches]
    heads = clf.heads_
    rows = slice(1, 1 + len(TOPICS))  # row 0 is relevance; stance rows follow the topics
    topic_heads = LinearHeads(heads.weights[rows], heads.bias[rows], heads.calib_a[rows], heads.calib_b[rows])
    w = np.ones((3, len(TOPICS)))

    def predict_all() -> None:
        for b in batches:
            clf.predict(b, voices=False)

    def sentence_step() -> None:
        for batch in token_batches:
            article = topic_heads.decisions(clf.features_.transform_articles(batch))  # already computed inside predict; kept for the stage-two input
            sentence = topic_heads.decisions(clf.features_.transform_sentences(batch))
            stacked_scores = []
            for k in range(len(TOPICS)):
                summary = sentence_summaries(sentence[:, k], batch.first_sentence, article[:, k])
                stacked_scores.append(sigmoid(w[0, k] * article[:, k] + w[1, k] * summary["max"] + w[2, k]))

    def best(fn: Callable[[], None]) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times) / len(texts) * 1e6

    article_step_us = best(lambda: [topic_heads.decisions(clf.features_.transform_articles(b)) for b in token_batches])
    transform_us = best(lambda: [clf.features_.transform_sentences(b) for b in token_batches])
    base_us, extra_us = best(predict_all), best(sentence_step)
    return {
        "articles": len(texts),
        "batch_size": batch_size,
        "predict_no_voices_us": round(base_us, 1),
        "sentence_step_us": round(extra_us - article_step_us, 1),
        "sentence_tfidf_us": round(transform_us, 1),
        "with_sentence_step_us": round(base_us + extra_us - article_step_us, 1),
        "articles_per_second": [round(1e6 / base_us), round(1e6 / (base_us + extra_us - article_step_us))],
    }


# ------------------------------------------------------------------ report
def _cell(value: float, interval: list[float] | None) -> str:
    if interval is None:
        return f"{value:.3f}"
    mark = " **better**" if interval[0] > 0 else " **worse**" if interval[1] < 0 else ""
    return f"{value:.3f} [{interval[0]:+.3f}, {interval[1]:+.3f}]{mark}"


def format_report(rows: list[dict[str, Any]], cost: dict[str, Any] | None, command: str) -> str:
    """Markdown: headline table, per-label F1 per set, seeds, cost."""
    out = [
        "# Topic experiment: sentence-level evidence for topic heads",
        "",
        f"Reproduce: `{command}` (about 10 minutes on 2 shared cores).",
        "",
        "Every variant reuses the shipped topic heads (logistic regression over article TF-IDF, retrained here as "
        "`RegsecClassifier.fit` trains them); the sentence variants also apply each head to every sentence's TF-IDF row "
        "(out of fold for training articles) and combine the article score with the strongest sentences'. Thresholds are "
        "re-tuned on out-of-fold probabilities of the training side. Intervals: 95% paired bootstrap of variant - baseline "
        "over documents (`training.compare.bootstrap_metrics`, 1,000 resamples, seed 0); **better**/**worse** when the "
        "whole interval is above/below 0. OOF: out-of-fold figures on the training side with thresholds tuned on them "
        "(optimistic, alike for all). Selection reads OOF and corpus test; dev is the final check.",
        "",
        "| variant | OOF micro | OOF macro | test micro | test macro | dev micro | dev macro | seed 001 history_memory (score / threshold) | seeds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        sets = row["sets"]
        seeds = row.get("seeds", [])
        seed_ok = "; ".join(
            f"{r['id'][:3]}: " + ("ok" if not r["missing"] else "missing " + ", ".join(r["missing"])) + (f" (+{', '.join(r['extra'])})" if r["extra"] else "")
            for r in seeds
        )
        hm = next((r["history_memory"] for r in seeds if r["id"].startswith("001")), None)
        cells = [row["variant"], f"{row['oof']['micro_f1']:.3f}", f"{row['oof']['macro_f1']:.3f}"]
        for name in ("corpus_test", "shared_eval_dev"):
            if name in sets:
                iv = sets[name].get("intervals")
                cells += [_cell(sets[name]["micro_f1"], iv and iv["micro_f1"]), _cell(sets[name]["macro_f1"], iv and iv["macro_f1"])]
            else:
                cells += ["-", "-"]
        cells += [f"{hm[0]:.3f} / {hm[1]:.3f}" if hm else "-", seed_ok]
        out.append("| " + " | ".join(cells) + " |")
    for name in ("corpus_test", "shared_eval_dev"):
        present = [r for r in rows if name in r["sets"]]
        if not present:
            continue
        support = present[0]["sets"][name]["support"]
        header = "| topic | support | " + " | ".join(r["variant"] for r in present) + " |"
        out += ["", f"## Per-label F1: {name}", "", header, "|---|---|" + "---|" * len(present)]
        for t in TOPICS:
            cells = []
            for r in present:
                iv = r["sets"][name].get("intervals")
                cells.append(_cell(r["sets"][name]["per_label_f1"][t], iv and iv["per_label_f1"][t]))
            out.append(f"| {t} | {support[t]} | " + " | ".join(cells) + " |")
    header = "| topic | " + " | ".join(r["variant"] for r in rows) + " |"
    out += ["", "## Per-label F1: out of fold on the training side", "", header, "|---|" + "---|" * len(rows)]
    for t in TOPICS:
        out.append(f"| {t} | " + " | ".join(f"{r['oof']['per_label_f1'][t]:.3f}" for r in rows) + " |")
    out += ["", "## Seeds", "", "| variant | seed | predicted topics | missing | extra |", "|---|---|---|---|---|"]
    for row in rows:
        for r in row.get("seeds", []):
            out.append(f"| {row['variant']} | {r['id']} | {', '.join(r['predicted'])} | {', '.join(r['missing']) or '-'} | {', '.join(r['extra']) or '-'} |")
    out += ["", "## Thresholds (tuned out of fold)", "", "| variant | " + " | ".join(TOPICS) + " |", "|---|" + "---|" * len(TOPICS)]
    for row in rows:
        out.append(f"| {row['variant']} | " + " | ".join(f"{row['thresholds'][t]:.3f}" for t in TOPICS) + " |")
    if cost:
        out += [
            "",
            "## Prediction cost",
            "",
            f"`python -m training.topic_experiment --cost-only`: the packaged model's `predict(texts, voices=False)` over all {cost['articles']} corpus "
            f"articles in batches of {cost['batch_size']}, best of 3, and the extra sentence step timed on the same batches' tokens (the "
            "sentences are already split and tokenized by `predict`; the step is sentence TF-IDF rows, the ten topic heads on them, per-article "
            "max and top-2 mean, a 3-number second stage).",
            "",
            "| path | us/article | articles/s |",
            "|---|---|---|",
            f"| predict, no voices (shipped) | {cost['predict_no_voices_us']} | {cost['articles_per_second'][0]} |",
            f"| sentence step alone | {cost['sentence_step_us']} | |",
            f"| of which sentence TF-IDF rows | {cost['sentence_tfidf_us']} | |",
            f"| predict, no voices, with sentence step | {cost['with_sentence_step_us']} | {cost['articles_per_second'][1]} |",
        ]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str]) -> None:
    """Run the named variants (all by default) against the baseline; print JSON lines and write the report."""
    args = list(argv)
    out_path = DEFAULT_REPORT
    if "--out" in args:
        i = args.index("--out")
        out_path = Path(args[i + 1])
        del args[i : i + 2]
    cost_only = "--cost-only" in args
    with_cost = cost_only or "--cost" in args
    names = [] if cost_only else [a for a in args if a != "--cost"] or list(VARIANTS)
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    rows: list[dict[str, Any]] = []
    if names:
        data = load_data()
        fitted = fit_stage_one(data)
        baseline = run_variant(data, fitted, "baseline")
        for name in ["baseline", *(n for n in names if n != "baseline")]:
            result = baseline if name == "baseline" else run_variant(data, fitted, name)
            for s in data.sets:
                if s.name != "seeds" and name != "baseline":
                    result["sets"][s.name]["intervals"] = intervals(s.gold, baseline["sets"][s.name]["predictions"], result["sets"][s.name]["predictions"])
            result["seeds"] = seed_rows(data, result)
            summary = {k: v for k, v in result.items() if k != "sets"}
            summary["sets"] = {n: {k: v for k, v in e.items() if k != "predictions"} for n, e in result["sets"].items()}
            print(json.dumps(summary), flush=True)
            rows.append(result)
    cost = measure_cost() if with_cost else None
    if cost:
        print(json.dumps({"cost": cost}), flush=True)
    if rows:
        command = "python -m training.topic_experiment " + " ".join(argv)
        out_path.write_text(format_report(rows, cost, command.strip()), encoding="utf-8")
        print(f"wrote {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
