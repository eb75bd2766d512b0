"""Scores a model against gold labels: relevance, topics, stance (and the per-seed view).
`evaluate_records` returns plain data; `regsec evaluate` writes it to reports/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from model.classifier import RegsecClassifier
from model.labels import STANCES, TOPICS
from model.prediction import Prediction
from training.records import LabeledRecord, Problem, validate_rows

NO_STANCE = "none"  # the prediction for a relevant document the model judged off-topic


def _prf(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(y_true.sum())}


def score(gold: list[dict[str, Any]], predicted: list[Prediction]) -> dict[str, Any]:
    """Metrics of predictions against gold records (same order)."""
    y_rel = np.array([bool(g["topics"]) for g in gold])
    p_rel = np.array([p.relevant for p in predicted])
    Y = np.array([[t in g["topics"] for t in TOPICS] for g in gold], dtype=int)
    P = np.array([[t in p.topics for t in TOPICS] for p in predicted], dtype=int)
    per_label = {t: _prf(Y[:, k], P[:, k]) for k, t in enumerate(TOPICS)}
    tp, fp, fn = int((Y & P).sum()), int(((1 - Y) & P).sum()), int((Y & (1 - P)).sum())
    micro = 2 * tp / max(1, 2 * tp + fp + fn)
    present = [t for t in TOPICS if per_label[t]["support"] > 0]
    macro = float(np.mean([per_label[t]["f1"] for t in present])) if present else 0.0

    idx = [i for i, g in enumerate(gold) if g["topics"]]
    s_true = [gold[i]["stance"] for i in idx]
    s_pred = [predicted[i].stance or NO_STANCE for i in idx]
    f_stance = (
        precision_recall_fscore_support(s_true, s_pred, labels=list(STANCES), average=None, zero_division=0)[2] if idx else np.zeros(len(STANCES))
    )
    stance_present = [s for s in STANCES if s in s_true]
    cm = confusion_matrix(s_true, s_pred, labels=[*STANCES, NO_STANCE]) if idx else np.zeros((4, 4), int)
    return {
        "documents": len(gold),
        "relevance": _prf(y_rel, p_rel),
        "voices": voice_scores(gold, predicted),
        "uncertain": flag_check(gold, predicted),
        "topics": {"micro_f1": round(micro, 4), "macro_f1": round(macro, 4), "per_label": per_label},
        "stance": {
            "macro_f1": round(float(np.mean([f_stance[STANCES.index(s)] for s in stance_present])), 4) if stance_present else 0.0,
            "accuracy": round(float(np.mean([a == b for a, b in zip(s_true, s_pred)])), 4) if idx else 0.0,
            "per_label_f1": {s: round(float(f), 4) for s, f in zip(STANCES, f_stance)},
            "confusion": {"labels_true": list(STANCES), "labels_pred": [*STANCES, NO_STANCE], "matrix": cm[:3].tolist()},
            "documents": len(idx),
        },
    }


def flag_check(gold: list[dict[str, Any]], predicted: list[Prediction]) -> dict[str, float]:
    """Does the `uncertain` flag mean something? The share of documents flagged, and how often
    relevance and stance are right among flagged and unflagged documents."""
    from model.prediction import UNCERTAIN

    right = np.array([p.relevant == bool(g["topics"]) and (not g["topics"] or not p.relevant or p.stance == g["stance"]) for g, p in zip(gold, predicted)])
    flagged = np.array([UNCERTAIN in p.flags for p in predicted], dtype=bool)

    def share(mask: np.ndarray) -> float:
        return round(float(right[mask].mean()), 4) if mask.any() else 0.0

    return {"flagged": int(flagged.sum()), "correct_when_flagged": share(flagged), "correct_when_not": share(~flagged)}


def voice_scores(gold: list[dict[str, Any]], predicted: list[Prediction]) -> dict[str, float]:
    """Precision, recall and F1 of (actor, role, stance) triples, pooled over documents."""
    tp = fp = fn = 0
    for g, p in zip(gold, predicted):
        want = {(v["actor"], v["role"], v["stance"]) for v in g["voices"]}
        got = {(v.actor, v.role, v.stance) for v in p.voices}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def evaluate_records(clf: RegsecClassifier, records: list[LabeledRecord]) -> dict[str, Any]:
    """Predict every record's text and score it against its labels."""
    predicted = clf.predict([r.data["text"] for r in records], ids=[r.data["id"] for r in records])
    return score([r.data for r in records], predicted)


def read_seeds(folder: Path) -> tuple[list[LabeledRecord], list[Problem]]:
    """The seed articles: `gold.jsonl` labels, each with the text of the `.txt` file it names."""
    gold = folder / "gold.jsonl"
    rows = []
    for n, line in enumerate(gold.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            rec = json.loads(line)
            rec["text"] = (folder / rec["file"]).read_text(encoding="utf-8")
            rows.append((str(gold), n, rec))
    return validate_rows(rows)


def seed_table(clf: RegsecClassifier, seeds: list[LabeledRecord]) -> list[dict[str, Any]]:
    """Per seed article: gold and predicted relevance, topics and stance."""
    out = []
    for rec, pred in zip(seeds, clf.predict([r.data["text"] for r in seeds], ids=[r.data["id"] for r in seeds])):
        gold = rec.data
        out.append(
            {
                "id": gold["id"],
                "gold_topics": gold["topics"],
                "predicted_topics": pred.topics,
                "missing_topics": [t for t in gold["topics"] if t not in pred.topics],
                "gold_stance": gold["stance"],
                "predicted_stance": pred.stance,
                "missing_voices": [v for v in gold["voices"] if (v["actor"], v["role"], v["stance"]) not in {(p.actor, p.role, p.stance) for p in pred.voices}],
                "relevant": pred.relevant,
                "correct": pred.relevant == bool(gold["topics"]) and set(gold["topics"]) <= set(pred.topics) and pred.stance == gold["stance"],
            }
        )
    return out
