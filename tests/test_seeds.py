"""The two seed articles: regsec must get relevance, every gold topic and the stance right."""

import json

import pytest

from tests.conftest import REPO

GOLD = [json.loads(line) for line in (REPO / "seeds" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_seed_article(default_model, gold):
    text = (REPO / "seeds" / gold["file"]).read_text(encoding="utf-8")
    pred = default_model.predict([text], ids=[gold["id"]])[0]
    assert pred.relevant
    assert set(gold["topics"]) <= set(pred.topics), f"missing {set(gold['topics']) - set(pred.topics)}"
    assert pred.stance == gold["stance"]
