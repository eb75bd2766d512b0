"""The two seed articles: regsec must get relevance, every gold topic and the stance right.

Known misses are marked strict xfail, so the suite says plainly what does not work yet and
fails the day it starts working (remove the mark then)."""

import json

import pytest

from tests.conftest import REPO

GOLD = [json.loads(line) for line in (REPO / "seeds" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
KNOWN_MISSES: dict[tuple[str, str], str] = {}  # (seed id, "topics" or "stance") -> why it is missed


def _cases(aspect):
    return [
        pytest.param(g, id=g["id"], marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(g["id"], aspect)])] if (g["id"], aspect) in KNOWN_MISSES else [])
        for g in GOLD
    ]


def _predict(model, gold):
    return model.predict([(REPO / "seeds" / gold["file"]).read_text(encoding="utf-8")], ids=[gold["id"]])[0]


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_seed_is_relevant(default_model, gold):
    assert _predict(default_model, gold).relevant


@pytest.mark.parametrize("gold", _cases("topics"))
def test_seed_has_every_gold_topic(default_model, gold):
    pred = _predict(default_model, gold)
    assert set(gold["topics"]) <= set(pred.topics), f"missing {set(gold['topics']) - set(pred.topics)}"


@pytest.mark.parametrize("gold", _cases("stance"))
def test_seed_stance(default_model, gold):
    assert _predict(default_model, gold).stance == gold["stance"]
