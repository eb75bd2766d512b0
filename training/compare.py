"""`regsec compare OLD NEW`: two model folders scored on the same labeled documents, with a
paired bootstrap over documents saying which differences are larger than resampling noise.

`compare_models` returns plain data (JSON-serializable); `format_markdown` renders it and
`regressions` lists the headline metrics that got worse, so the CLI (and `regsec train`,
before replacing a model) can refuse a worse model instead of replacing it silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import load_artifact
from model.labels import STANCES, TOPICS
from model.prediction import Prediction
from training.evaluate import score
from training.records import LabeledRecord, Problem
from training.sources import load_labeled
from training.split import TEST_PERCENT, split_records
from training.train import DEFAULT_DATA

RESAMPLES = 1000
CONFIDENCE = 0.95
LARGE_DROP = 0.10  # a per-label F1 drop this large is flagged on a label with MIN_SUPPORT gold documents
MIN_SUPPORT = 5
WORSE, BETTER, NOISE = "worse", "better", "within noise"
# (key, what the report calls it, where training.evaluate.score puts it)
HEADLINE = (
    ("relevance_f1", "relevance F1", ("relevance", "f1")),
    ("topic_micro_f1", "topic micro F1", ("topics", "micro_f1")),
    ("topic_macro_f1", "topic macro F1", ("topics", "macro_f1")),
    ("stance_macro_f1", "stance macro F1", ("stance", "macro_f1")),
    ("voice_f1", "voice F1", ("voices", "f1")),
)
_BOOTSTRAP_CELLS = 4_000_000  # resample weights held in memory at once (resamples x documents)


def compare_models(
    old_dir: Path | str | None,
    new_dir: Path | str | None,
    eval_sets: dict[str, list[LabeledRecord]],
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> dict[str, Any]:
    """Both models' metrics on every eval set, NEW - OLD per metric with a paired-bootstrap
    interval and a verdict (None for a directory means the packaged default model)."""
    empty = [name for name, records in eval_sets.items() if not records]
    if not eval_sets or empty:
        raise ValueError(f"every eval set needs documents; empty: {', '.join(empty) or '(no sets given)'}")
    if resamples < 100:
        raise ValueError(f"resamples must be at least 100 for a 95% interval, got {resamples}")
    old_clf, old_manifest = load_artifact(old_dir)
    new_clf, new_manifest = load_artifact(new_dir)
    result: dict[str, Any] = {
        "old": _model_info(old_dir, old_manifest),
        "new": _model_info(new_dir, new_manifest),
        "seed": seed,
        "resamples": resamples,
        "confidence": CONFIDENCE,
        "sets": {},
    }
    for name, records in eval_sets.items():
        gold = [r.data for r in records]
        texts, ids = [g["text"] for g in gold], [g["id"] for g in gold]
        old_pred, new_pred = old_clf.predict(texts, ids=ids), new_clf.predict(texts, ids=ids)
        result["sets"][name] = compare_predictions(gold, old_pred, new_pred, seed=seed, resamples=resamples)
    return result


def _model_info(directory: Path | str | None, manifest: dict[str, Any]) -> dict[str, str]:
    """Which model: its folder, version (named after its training data) and artifact hash (which
    also tells apart two models trained on the same data with other parameters)."""
    return {"dir": str(directory or "default"), "version": manifest.get("version", "unversioned"), "artifact": str(manifest.get("artifact_sha256", ""))[:12]}


def compare_predictions(
    gold: list[dict[str, Any]], old_pred: list[Prediction], new_pred: list[Prediction], seed: int = 0, resamples: int = RESAMPLES
) -> dict[str, Any]:
    """One eval set: headline and per-label metrics of both prediction lists, with intervals."""
    old_scores, new_scores = score(gold, old_pred), score(gold, new_pred)
    old_boot, new_boot = bootstrap_metrics(gold, old_pred, new_pred, seed=seed, resamples=resamples)
    metrics = {}
    for key, label, (section, field) in HEADLINE:
        metrics[key] = {"label": label, **_difference(old_scores[section][field], new_scores[section][field], new_boot[key] - old_boot[key])}
    per_label = {}
    for k, topic in enumerate(TOPICS):
        old_t, new_t = old_scores["topics"]["per_label"][topic], new_scores["topics"]["per_label"][topic]
        row = _difference(old_t["f1"], new_t["f1"], new_boot["per_label_f1"][:, k] - old_boot["per_label_f1"][:, k])
        row["support"] = old_t["support"]
        row["large_drop"] = row["support"] >= MIN_SUPPORT and row["diff"] <= -LARGE_DROP
        per_label[topic] = row
    return {"documents": len(gold), "metrics": metrics, "per_label": per_label}


def _difference(old: float, new: float, boot_diff: np.ndarray) -> dict[str, Any]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(boot_diff, [tail, 100 - tail])
    verdict = WORSE if high < 0 else BETTER if low > 0 else NOISE
    return {"old": old, "new": new, "diff": round(new - old, 4), "low": round(float(low), 4), "high": round(float(high), 4), "verdict": verdict}


def bootstrap_metrics(
    gold: list[dict[str, Any]], old_pred: list[Prediction], new_pred: list[Prediction], seed: int = 0, resamples: int = RESAMPLES
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each headline metric (and per-label topic F1) of both models on the same `resamples`
    resamples of the documents: paired, so their difference cancels what the documents share."""
    old_counts, new_counts = document_counts(gold, old_pred), document_counts(gold, new_pred)
    rng = np.random.default_rng(seed)
    n = len(gold)
    chunk = max(1, _BOOTSTRAP_CELLS // n)
    old_parts, new_parts = [], []
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        picks = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        weights = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        old_parts.append(metrics_from_counts(old_counts, weights))
        new_parts.append(metrics_from_counts(new_counts, weights))
    return _stack(old_parts), _stack(new_parts)


def _stack(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def document_counts(gold: list[dict[str, Any]], predicted: list[Prediction]) -> dict[str, np.ndarray]:
    """Per document true positives, false positives and false negatives (last axis) for
    relevance, each topic, each stance class (documents with gold topics only) and voice triples:
    the sums over any multiset of documents give `score`'s metrics for it."""
    n = len(gold)
    relevance = np.zeros((n, 3))
    topics = np.zeros((n, len(TOPICS), 3))
    stance = np.zeros((n, len(STANCES), 3))
    voices = np.zeros((n, 3))
    for i, (g, p) in enumerate(zip(gold, predicted)):
        relevance[i] = _tp_fp_fn(bool(g["topics"]), p.relevant)
        for k, t in enumerate(TOPICS):
            topics[i, k] = _tp_fp_fn(t in g["topics"], t in p.topics)
        if g["topics"]:
            for k, s in enumerate(STANCES):
                stance[i, k] = _tp_fp_fn(g["stance"] == s, p.stance == s)
        want = {(v["actor"], v["role"], v["stance"]) for v in g["voices"]}
        got = {(v.actor, v.role, v.stance) for v in p.voices}
        voices[i] = (len(want & got), len(got - want), len(want - got))
    return {"relevance": relevance, "topics": topics, "stance": stance, "voices": voices}


def _tp_fp_fn(truth: bool, guess: bool) -> tuple[int, int, int]:
    return int(truth and guess), int(guess and not truth), int(truth and not guess)


def metrics_from_counts(counts: dict[str, np.ndarray], weights: np.ndarray) -> dict[str, np.ndarray]:
    """Headline metrics for each row of `weights` (how often each document is drawn), as `score`
    defines them: macro averages run over the labels with gold support in that resample."""
    rel = _f1(weights @ counts["relevance"])
    topic_sums = np.einsum("bn,nkc->bkc", weights, counts["topics"])
    per_label = _f1(topic_sums)
    micro = _f1(topic_sums.sum(axis=1))
    stance_sums = np.einsum("bn,nkc->bkc", weights, counts["stance"])
    return {
        "relevance_f1": rel,
        "topic_micro_f1": micro,
        "topic_macro_f1": _macro(per_label, topic_sums),
        "stance_macro_f1": _macro(_f1(stance_sums), stance_sums),
        "voice_f1": _f1(weights @ counts["voices"]),
        "per_label_f1": per_label,
    }


def _f1(sums: np.ndarray) -> np.ndarray:
    """2tp / (2tp + fp + fn) over the last axis (tp, fp, fn); 0 where nothing was counted."""
    tp, fp, fn = sums[..., 0], sums[..., 1], sums[..., 2]
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)


def _macro(f1: np.ndarray, sums: np.ndarray) -> np.ndarray:
    present = (sums[..., 0] + sums[..., 2]) > 0  # gold support in the resample
    count = present.sum(axis=1)
    return np.divide((f1 * present).sum(axis=1), count, out=np.zeros(len(f1)), where=count > 0)


def regressions(result: dict[str, Any], labels: bool = False) -> list[str]:
    """One line per headline metric whose whole interval is below 0 (NEW is worse than OLD);
    with `labels`, also topics that got worse or dropped by LARGE_DROP with support."""
    lines = []
    for name, compared in result["sets"].items():
        for m in compared["metrics"].values():
            if m["verdict"] == WORSE:
                lines.append(f"{name}: {m['label']} {m['old']:.3f} -> {m['new']:.3f} ({m['diff']:+.3f}, 95% interval {_interval(m)})")
        if labels:
            for topic, t in compared["per_label"].items():
                if t["verdict"] == WORSE or t["large_drop"]:
                    lines.append(f"{name}: topic {topic} F1 {t['old']:.3f} -> {t['new']:.3f} ({t['diff']:+.3f}, support {t['support']})")
    return lines


def _interval(m: dict[str, Any]) -> str:
    return f"[{m['low']:+.3f}, {m['high']:+.3f}]"


def format_markdown(result: dict[str, Any]) -> str:
    """The comparison report: which models and sets, a table per set, per-label topic F1, regressions."""
    old, new = result["old"], result["new"]
    sets = result["sets"]
    out = [
        f"# regsec compare: {old['version']} (old) vs {new['version']} (new)",
        "",
        f"- old: `{old['dir']}`, version {old['version']}, artifact sha256 {old['artifact']}…",
        f"- new: `{new['dir']}`, version {new['version']}, artifact sha256 {new['artifact']}…",
        "- eval sets: " + ", ".join(f"{name} ({s['documents']} documents)" for name, s in sets.items()),
        "",
        f"diff is new - old. The {round(result['confidence'] * 100)}% interval comes from a paired bootstrap over documents "
        f"({result['resamples']} resamples, seed {result['seed']}): **worse** / **better** when the whole interval is below / above 0.",
    ]
    for name, compared in sets.items():
        out += ["", f"## {name} ({compared['documents']} documents)", "", "| metric | old | new | diff | 95% interval | verdict |", "|---|---|---|---|---|---|"]
        for m in compared["metrics"].values():
            out.append(f"| {m['label']} | {m['old']:.3f} | {m['new']:.3f} | {m['diff']:+.3f} | {_interval(m)} | {_verdict_cell(m['verdict'])} |")
        out += ["", "Topic F1 per label:", "", "| topic | support | old | new | diff | 95% interval | verdict |", "|---|---|---|---|---|---|---|"]
        for topic, t in compared["per_label"].items():
            verdict = _verdict_cell(t["verdict"]) + (f" (drop of {LARGE_DROP:.2f} or more)" if t["large_drop"] else "")
            out.append(f"| {topic} | {t['support']} | {t['old']:.3f} | {t['new']:.3f} | {t['diff']:+.3f} | {_interval(t)} | {verdict} |")
    found = regressions(result)
    out += ["", "## Regressions", ""] + ([f"- {line}" for line in found] or ["None: no headline metric is worse beyond resampling noise."])
    return "\n".join(out) + "\n"


def _verdict_cell(verdict: str) -> str:
    return f"**{verdict}**" if verdict in (WORSE, BETTER) else verdict


def default_eval_sets(
    shared_dir: Path | str, records: list[LabeledRecord] | None = None, test_percent: int = TEST_PERCENT
) -> dict[str, list[LabeledRecord]]:
    """The held-out test split (`corpus_test`) of `records` (default: the shipped corpus) and, when
    present, the shared real-article set `<shared_dir>/eval/dev.jsonl` (`shared_eval_dev`); records
    that fail the label check are left out (`regsec data check` lists them)."""
    if records is None:
        records, _ = load_labeled([DEFAULT_DATA])
    sets = {"corpus_test": split_records(records, test_percent)[1]}
    dev = Path(shared_dir) / "eval" / "dev.jsonl"
    if dev.is_file():
        sets["shared_eval_dev"] = load_labeled([dev])[0]
    return {name: recs for name, recs in sets.items() if recs}


def eval_sets_from(specs: list[str | Path]) -> tuple[dict[str, list[LabeledRecord]], list[Problem]]:
    """One eval set per `--data` source, named by its file name without suffix (made unique),
    and every problem met while reading them."""
    sets: dict[str, list[LabeledRecord]] = {}
    problems: list[Problem] = []
    for spec in specs:
        records, found = load_labeled([spec])
        problems += found
        name = base = Path(str(spec)).stem or str(spec)
        suffix = 2
        while name in sets:
            name, suffix = f"{base}_{suffix}", suffix + 1
        sets[name] = records
    return sets, problems
