"""`regsec evaluate`: score a model on every labeled set at hand and write reports/
(evaluation.md, metrics.json and figures)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import load_artifact
from model.classifier import RegsecClassifier
from model.labels import STANCES, TOPICS
from training.evaluate import evaluate_records, read_seeds, seed_table
from training.records import LabeledRecord
from training.sources import load_labeled
from training.split import split_records
from training.train import REPO, TrainConfig, load_training_records

SEEDS = REPO / "seeds"


def labeled_sets(manifest: dict[str, Any], extra: list[str], shared: Path) -> dict[str, list[LabeledRecord]]:
    """The sets to score: the corpus test split, the seeds, shared eval files, extra data."""
    sets: dict[str, list[LabeledRecord]] = {}
    config = replace(TrainConfig.from_manifest(manifest), on_error="skip")
    sets["corpus_test"] = split_records(load_training_records(config).records, config.test_percent)[1]
    sets["seeds"], _ = read_seeds(SEEDS)
    eval_dir = shared / "eval"
    for path in sorted(eval_dir.glob("*.jsonl")) if eval_dir.is_dir() else []:
        sets[f"shared_eval_{path.stem}"], _ = load_labeled([path])
    for spec in extra:
        sets[Path(spec).stem], _ = load_labeled([spec])
    return {name: records for name, records in sets.items() if records}


def run_evaluation(model_dir: Path | None, extra: list[str], reports: Path, shared: Path) -> str:
    """Score, write reports/, and return a short summary for the terminal."""
    clf, manifest = load_artifact(model_dir)
    sets = labeled_sets(manifest, extra, shared)
    metrics = {"model_version": manifest["version"], "sets": {name: evaluate_records(clf, recs) for name, recs in sets.items()}}
    metrics["seeds"] = seed_table(clf, sets.get("seeds", []))
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    figures = write_figures(clf, sets, metrics, reports)
    (reports / "evaluation.md").write_text(evaluation_markdown(metrics, figures), encoding="utf-8")
    return "\n".join(summary_lines(metrics))


def summary_lines(metrics: dict[str, Any]) -> list[str]:
    """One line per scored set."""
    lines = []
    for name, m in metrics["sets"].items():
        lines.append(
            f"{name:24s} n={m['documents']:4d}  relevance F1 {m['relevance']['f1']:.3f}  topic micro F1 {m['topics']['micro_f1']:.3f}"
            f"  macro F1 {m['topics']['macro_f1']:.3f}  stance macro F1 {m['stance']['macro_f1']:.3f}  voice F1 {m['voices']['f1']:.3f}"
        )
    for row in metrics["seeds"]:
        verdict = "correct" if row["correct"] else "WRONG"
        missing = f"missing topics {row['missing_topics']}, missing voices {len(row['missing_voices'])}"
        lines.append(f"seed {row['id']}: {verdict} (stance {row['predicted_stance']}, {missing})")
    return lines


def evaluation_markdown(metrics: dict[str, Any], figures: list[str]) -> str:
    """The human report: headline table, per-label table, stance confusion, seeds."""
    sets = metrics["sets"]
    out = [
        f"# regsec evaluation: model {metrics['model_version']}",
        "",
        "Written by `regsec evaluate` (reproduce: `regsec evaluate`). `shared_eval_dev` is 101 real published articles",
        "that nothing in the project was trained or tuned on: the number users feel. `corpus_test` is the held-out",
        "event split of the written corpus, which a model can ace by learning the writers' habits.",
        "",
        "| set | docs | relevance P | relevance R | relevance F1 | topic micro F1 | topic macro F1 | stance macro F1 | stance acc."
        " | voice P | voice R | voice F1 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in sets.items():
        r = m["relevance"]
        out.append(
            f"| {name} | {m['documents']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {m['topics']['micro_f1']:.3f} "
            f"| {m['topics']['macro_f1']:.3f} | {m['stance']['macro_f1']:.3f} | {m['stance']['accuracy']:.3f} "
            f"| {m['voices']['precision']:.3f} | {m['voices']['recall']:.3f} | {m['voices']['f1']:.3f} |"
        )
    out += [
        "",
        "## The `uncertain` flag",
        "",
        "Share of documents whose relevance and stance (when relevant) are right, among those flagged `uncertain` and the rest.",
        "",
        "| set | flagged | right when flagged | right when not flagged |",
        "|---|---|---|---|",
    ]
    for name, m in sets.items():
        u = m["uncertain"]
        flagged = f"{u['correct_when_flagged']:.2f}" if u["flagged"] else "–"
        unflagged = f"{u['correct_when_not']:.2f}" if u["flagged"] < m["documents"] else "–"
        out.append(f"| {name} | {u['flagged']} of {m['documents']} | {flagged} | {unflagged} |")
    out += ["", "## Topics per label (precision / recall / F1, support)", ""]
    out.append("| label | " + " | ".join(sets) + " |")
    out.append("|---|" + "---|" * len(sets))
    for t in TOPICS:
        cells = []
        for m in sets.values():
            p = m["topics"]["per_label"][t]
            cells.append(f"{p['precision']:.2f} / {p['recall']:.2f} / {p['f1']:.2f} ({p['support']})")
        out.append(f"| {t} | " + " | ".join(cells) + " |")
    out += ["", "## Stance confusion (rows: gold, columns: predicted; `none` = judged off-topic)", ""]
    for name, m in sets.items():
        c = m["stance"]["confusion"]
        out += [f"**{name}** (macro F1 {m['stance']['macro_f1']:.3f})", "", "| gold \\ predicted | " + " | ".join(c["labels_pred"]) + " |"]
        out.append("|---|" + "---|" * len(c["labels_pred"]))
        out += [f"| {label} | " + " | ".join(str(v) for v in row) + " |" for label, row in zip(c["labels_true"], c["matrix"])]
        out.append("")
    out += ["## Seed articles", "", "| seed | gold topics | predicted topics | gold stance | predicted stance | correct |", "|---|---|---|---|---|---|"]
    for row in metrics["seeds"]:
        out.append(
            f"| {row['id']} | {', '.join(row['gold_topics'])} | {', '.join(row['predicted_topics'])} | {row['gold_stance']} "
            f"| {row['predicted_stance']} | {'yes' if row['correct'] else 'no'} |"
        )
    if figures:
        out += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures]
    return "\n".join(out) + "\n"


def write_figures(clf: RegsecClassifier, sets: dict[str, list[LabeledRecord]], metrics: dict[str, Any], reports: Path) -> list[str]:
    """Per-label F1, stance confusion and calibration PNGs; none when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names = [n for n in sets if n != "seeds"]
    written = []

    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        f1 = [metrics["sets"][name]["topics"]["per_label"][t]["f1"] for t in TOPICS]
        ax.bar(np.arange(len(TOPICS)) + i * width, f1, width, label=name)
    ax.set_xticks(np.arange(len(TOPICS)) + width * (len(names) - 1) / 2, TOPICS, rotation=35, ha="right")
    ax.set_ylabel("F1")
    ax.set_ylim(0, 1)
    ax.set_title("Topic F1 per label")
    ax.legend()
    fig.tight_layout()
    fig.savefig(reports / "topic_f1.png", dpi=110)
    plt.close(fig)
    written.append("topic_f1.png")

    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        c = np.array(metrics["sets"][name]["stance"]["confusion"]["matrix"])
        ax.imshow(c, cmap="Blues")
        ax.set_xticks(range(c.shape[1]), [*STANCES, "none"])
        ax.set_yticks(range(c.shape[0]), STANCES)
        for (r, k), v in np.ndenumerate(c):
            ax.text(k, r, str(v), ha="center", va="center")
        ax.set_title(f"stance: {name}")
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
    fig.tight_layout()
    fig.savefig(reports / "stance_confusion.png", dpi=110)
    plt.close(fig)
    written.append("stance_confusion.png")

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "k:", label="perfect")
    for name in names:
        recs = sets[name]
        rel, topic_scores, _ = clf.predict_scores([r.data["text"] for r in recs])
        gold_topics = np.array([[t in r.data["topics"] for t in TOPICS] for r in recs])
        gold_relevance = np.array([bool(r.data["topics"]) for r in recs])
        for label, scores, gold in (("relevance", rel, gold_relevance), ("topics", topic_scores.ravel(), gold_topics.ravel())):
            bins = np.clip((scores * 10).astype(int), 0, 9)
            xs = [scores[bins == b].mean() for b in range(10) if (bins == b).sum() >= 5]
            ys = [gold[bins == b].mean() for b in range(10) if (bins == b).sum() >= 5]
            ax.plot(xs, ys, "o-", label=f"{label}, {name}")
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title("Calibration (bins with 5+ predictions)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(reports / "calibration.png", dpi=110)
    plt.close(fig)
    written.append("calibration.png")
    return written
