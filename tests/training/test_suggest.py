"""regsec suggest: the unlabeled articles most worth labeling, as label records with the model's guesses."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from model.inputs import Document, read_documents
from training.records import check_record
from training.sources import load_labeled
from training.split import split_records
from training.suggest import HELPER_FIELD, suggest, suggest_jsonl_lines, uncertainty
from training.train import DEFAULT_DATA

ARTICLES = 80  # unlabeled articles: texts of the corpus test split with their labels removed
FRENCH = (
    "Le gouvernement a annoncé mardi une nouvelle série de mesures pour soutenir les agriculteurs de la région, "
    "après plusieurs semaines de manifestations dans les campagnes et de négociations avec les syndicats."
)


@pytest.fixture(scope="module")
def unlabeled(tmp_path_factory):
    """A JSONL file of id and text only, with a broken line, an empty text, a repeated id and a French article."""
    records, _ = load_labeled([DEFAULT_DATA])
    test = split_records(records)[1][:ARTICLES]
    lines = [json.dumps({"id": r.data["id"], "text": r.data["text"]}, ensure_ascii=False) for r in test]
    lines += ['{"id": "broken", "text": ', json.dumps({"id": "blank", "text": "   "}), json.dumps({"id": test[0].data["id"], "text": test[1].data["text"]})]
    lines.append(json.dumps({"id": "fr-1", "text": FRENCH}, ensure_ascii=False))
    path = tmp_path_factory.mktemp("unlabeled") / "unlabeled.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def documents(path):
    return list(read_documents([str(path)]))


@pytest.fixture(scope="module")
def suggested(default_model, unlabeled):
    return suggest(default_model, documents(unlabeled), 10)


def test_returns_n_distinct_documents(suggested):
    ids = [r["id"] for r in suggested.records]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert [r[HELPER_FIELD]["rank"] for r in suggested.records] == list(range(1, 11))
    assert suggested.considered == ARTICLES


def test_same_input_same_suggestions(default_model, unlabeled, suggested):
    assert suggest(default_model, documents(unlabeled), 10).records == suggested.records


def test_unreadable_repeated_and_non_english_documents_are_skipped_and_reported(unlabeled, suggested):
    reasons = {doc.id: doc.error for doc in suggested.skipped}
    assert len(reasons) == 4
    broken = str(unlabeled) + ":81"  # a line that is not JSON is named by file and line
    assert "not valid JSON" in reasons[broken] and "empty text" in reasons["blank"]
    assert "not English" in reasons["fr-1"]
    assert any("already used" in error for error in reasons.values())
    assert not {"blank", "fr-1", broken} & {r["id"] for r in suggested.records}


def test_records_are_label_records_once_the_annotator_writes_the_target(unlabeled, suggested, tmp_path):
    for record in suggested.records:
        if record["topics"]:  # the model guesses no target; the label standard needs one for a relevant document
            assert check_record(record) == ["a document with topics needs a target"]
            assert record["stance"] in ("support", "oppose", "neutral")
        else:
            assert record["stance"] is None and record["voices"] == []
    kept = [{**r, "target": "the action the article reports" if r["topics"] else None} for r in suggested.records]
    assert [check_record(r) for r in kept] == [[]] * len(kept)  # the helper field is ignored by the check
    corrected = tmp_path / "corrected.jsonl"
    corrected.write_text("".join(suggest_jsonl_lines(kept)), encoding="utf-8")
    records, problems = load_labeled([corrected])  # what `regsec train --data corrected.jsonl` reads
    assert problems == [] and [r.data["id"] for r in records] == [r["id"] for r in suggested.records]


def test_each_record_says_why_it_was_picked(suggested):
    helper = suggested.records[0][HELPER_FIELD]
    assert set(helper) >= {"rank", "uncertainty", "reason", "scores", "model_version"}
    assert helper["reason"].startswith(("relevance", "topic", "stance split"))
    assert helper["uncertainty"] == max(helper["parts"].values())


def test_suggestions_are_more_uncertain_than_a_random_pick(default_model, unlabeled, suggested):
    readable = [d for d in documents(unlabeled) if d.error is None][:ARTICLES]
    everything = [uncertainty(default_model, p).score for p in default_model.predict([d.text for d in readable], voices=False)]
    picked = [r[HELPER_FIELD]["uncertainty"] for r in suggested.records]
    assert np.mean(picked) > np.mean(everything) + 0.1  # the mean of everything is what a random pick gets on average


def test_a_repeated_article_is_not_suggested_twice(default_model, unlabeled):
    docs = documents(unlabeled)
    first = suggest(default_model, docs, 3).records[0]
    copy = Document("copy-of-" + first["id"], first["text"])
    again = suggest(default_model, [*docs, copy], 3).records
    ids = {r["id"] for r in again}
    assert len({first["id"], copy.id} & ids) == 1  # equally uncertain: the seed decides which, never both


def test_asking_for_more_than_there_is_returns_every_readable_document(default_model, unlabeled):
    result = suggest(default_model, documents(unlabeled), 500)
    assert len(result.records) == ARTICLES and len(result.skipped) == 4


def test_uncertainty_is_highest_at_the_threshold_and_nil_for_a_sure_off_topic_article(default_model):
    missile, sport = default_model.predict(
        [
            "North Korea fired a ballistic missile into the sea on Tuesday, Seoul said.",
            "The Los Angeles Lakers beat the Boston Celtics 112-104 on Sunday night as LeBron James scored 31 points.",
        ],
        voices=False,
    )
    at_threshold = uncertainty(default_model, replace(missile, relevance=default_model.relevance_threshold))
    assert at_threshold.score == 1.0 and at_threshold.reason == "relevance 0.50 near threshold 0.50"
    off_topic = uncertainty(default_model, sport)
    assert off_topic.score < 0.05 and off_topic.reason.startswith("relevance 0.00 far from threshold")


def test_n_must_be_positive(default_model):
    with pytest.raises(ValueError, match="n must be at least 1"):
        suggest(default_model, [], 0)
