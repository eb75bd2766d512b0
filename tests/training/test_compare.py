"""regsec compare: two model folders on the same labeled documents, with bootstrap intervals."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from model.artifact import load_artifact, save_artifact
from model.labels import TOPICS
from training.compare import (
    HEADLINE,
    compare_models,
    compare_predictions,
    default_eval_sets,
    document_counts,
    eval_sets_from,
    format_markdown,
    metrics_from_counts,
    regressions,
)
from training.evaluate import score

DOCUMENTS = 150  # of the corpus test split: enough for the intervals to separate a real regression


@pytest.fixture(scope="module")
def eval_sets(repo):
    return {"corpus_test": default_eval_sets(repo.parent / "shared")["corpus_test"][:DOCUMENTS]}


@pytest.fixture(scope="module")
def damaged_dir(tmp_path_factory):
    """The packaged model with every topic threshold raised to 0.95: it keeps only its top topic."""
    clf, manifest = load_artifact()
    damaged = copy.deepcopy(clf)
    damaged.topic_thresholds_ = [0.95] * len(TOPICS)
    folder = tmp_path_factory.mktemp("damaged")
    save_artifact(damaged, folder, {**manifest, "version": manifest["version"] + "-damaged"}, "Damaged copy for tests.\n")
    return folder


@pytest.fixture(scope="module")
def self_comparison(eval_sets):
    return compare_models(None, None, eval_sets)


@pytest.fixture(scope="module")
def damaged_comparison(eval_sets, damaged_dir):
    return compare_models(None, damaged_dir, eval_sets)


def test_a_model_compared_with_itself_differs_by_nothing(self_comparison):
    compared = self_comparison["sets"]["corpus_test"]
    assert compared["documents"] == DOCUMENTS
    for row in [*compared["metrics"].values(), *compared["per_label"].values()]:
        assert (row["diff"], row["low"], row["high"], row["verdict"]) == (0.0, 0.0, 0.0, "within noise")
    assert regressions(self_comparison) == [] and regressions(self_comparison, labels=True) == []


def test_damaged_topic_thresholds_are_flagged_worse(damaged_comparison):
    metrics = damaged_comparison["sets"]["corpus_test"]["metrics"]
    assert metrics["topic_micro_f1"]["verdict"] == "worse" and metrics["topic_micro_f1"]["high"] < 0
    assert metrics["topic_micro_f1"]["diff"] < -0.05
    # relevance and stance do not read topic thresholds: identical, so not flagged
    assert metrics["relevance_f1"]["diff"] == 0.0 and metrics["relevance_f1"]["verdict"] == "within noise"
    assert metrics["stance_macro_f1"]["diff"] == 0.0
    found = regressions(damaged_comparison)
    assert any(line.startswith("corpus_test: topic micro F1") for line in found)
    assert not any("relevance" in line for line in found)
    per_label = damaged_comparison["sets"]["corpus_test"]["per_label"]
    assert any(row["large_drop"] for row in per_label.values())
    assert len(regressions(damaged_comparison, labels=True)) > len(found)


def test_the_reverse_comparison_says_better(eval_sets, damaged_dir, default_model):
    gold = [r.data for r in eval_sets["corpus_test"]]
    damaged, _ = load_artifact(damaged_dir)
    texts = [g["text"] for g in gold]
    compared = compare_predictions(gold, damaged.predict(texts, voices=False), default_model.predict(texts, voices=False))
    assert compared["metrics"]["topic_micro_f1"]["verdict"] == "better"


def test_markdown_names_both_versions_and_every_set(damaged_comparison, self_comparison):
    text = format_markdown(damaged_comparison)
    assert f"{damaged_comparison['old']['version']} (old) vs {damaged_comparison['new']['version']} (new)" in text
    assert damaged_comparison["new"]["version"].endswith("-damaged")
    assert f"corpus_test ({DOCUMENTS} documents)" in text
    assert "| topic micro F1 |" in text and "**worse**" in text and "| diplomacy |" in text
    assert "- corpus_test: topic micro F1" in text
    assert "None: no headline metric is worse" in format_markdown(self_comparison)


def test_the_result_is_plain_json(damaged_comparison):
    assert json.loads(json.dumps(damaged_comparison)) == damaged_comparison


def test_per_document_counts_reproduce_the_evaluation_scores(eval_sets, default_model):
    gold = [r.data for r in eval_sets["corpus_test"]]
    predicted = default_model.predict([g["text"] for g in gold])
    scored = score(gold, predicted)
    counted = metrics_from_counts(document_counts(gold, predicted), np.ones((1, len(gold))))
    for key, _, (section, field) in HEADLINE:
        assert round(float(counted[key][0]), 4) == scored[section][field], key
    assert [round(float(f), 4) for f in counted["per_label_f1"][0]] == [scored["topics"]["per_label"][t]["f1"] for t in TOPICS]


def test_same_seed_same_intervals_other_seed_other_intervals(eval_sets, damaged_dir, default_model):
    gold = [r.data for r in eval_sets["corpus_test"]]
    damaged, _ = load_artifact(damaged_dir)
    texts = [g["text"] for g in gold]
    old, new = default_model.predict(texts, voices=False), damaged.predict(texts, voices=False)
    first, again = compare_predictions(gold, old, new, seed=0), compare_predictions(gold, old, new, seed=0)
    other = compare_predictions(gold, old, new, seed=1)
    assert first == again
    assert first["metrics"]["topic_micro_f1"]["diff"] == other["metrics"]["topic_micro_f1"]["diff"]
    assert (first["metrics"]["topic_micro_f1"]["low"], first["metrics"]["topic_micro_f1"]["high"]) != (
        other["metrics"]["topic_micro_f1"]["low"],
        other["metrics"]["topic_micro_f1"]["high"],
    )


def test_an_empty_eval_set_is_refused():
    with pytest.raises(ValueError, match="empty: mine"):
        compare_models(None, None, {"mine": []})
    with pytest.raises(ValueError, match="no sets given"):
        compare_models(None, None, {})


def test_default_sets_are_the_corpus_test_split_and_the_shared_dev_set(repo, tmp_path):
    without_shared = default_eval_sets(tmp_path / "no-shared")
    assert list(without_shared) == ["corpus_test"] and len(without_shared["corpus_test"]) > 300
    if not (repo.parent / "shared" / "eval" / "dev.jsonl").is_file():
        pytest.skip("../shared/eval/dev.jsonl is not present")
    with_shared = default_eval_sets(repo.parent / "shared")
    assert list(with_shared) == ["corpus_test", "shared_eval_dev"] and len(with_shared["shared_eval_dev"]) > 50


def test_data_files_become_sets_named_by_file_with_their_problems(eval_sets, tmp_path):
    good = [r.data for r in eval_sets["corpus_test"][:3]]
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in good) + "{not json\n", encoding="utf-8")
    other = tmp_path / "other" / "mine.jsonl"
    other.parent.mkdir()
    other.write_text(json.dumps(good[0], ensure_ascii=False) + "\n", encoding="utf-8")
    sets, problems = eval_sets_from([path, other])
    assert list(sets) == ["mine", "mine_2"] and len(sets["mine"]) == 3 and len(sets["mine_2"]) == 1
    assert [(p.line, "not valid JSON" in p.message) for p in problems] == [(4, True)]
