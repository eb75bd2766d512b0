import json
import math

import pytest

from model.labels import STANCES, TOPICS

MISSILE = (
    "North Korea fired an intercontinental ballistic missile into the sea off Japan's west coast on Thursday, "
    "South Korea's Joint Chiefs of Staff said, the latest in a series of weapons tests. Japan's defense ministry said "
    "the missile flew for about 70 minutes. Washington condemned the launch as a violation of UN Security Council resolutions."
)
RECIPE = "Stir the onions over a low heat for twenty minutes until golden, then add the stock and simmer the soup."


def test_predict_returns_a_record_per_text(default_model):
    preds = default_model.predict([MISSILE, RECIPE], ids=["m", "r"])
    assert [p.id for p in preds] == ["m", "r"]
    missile, recipe = preds
    assert missile.relevant and "nuclear_missile" in missile.topics and missile.stance in STANCES
    assert not recipe.relevant and recipe.topics == [] and recipe.stance is None


def test_record_is_json_with_finite_scores_in_range(default_model):
    record = default_model.predict([MISSILE])[0].to_dict()
    assert list(record) == ["id", "relevant", "relevance", "topics", "topic_scores", "stance", "stance_scores", "voices", "flags", "model_version"]
    json.dumps(record)
    scores = [record["relevance"], *record["topic_scores"].values(), *record["stance_scores"].values()]
    assert all(math.isfinite(s) and 0 <= s <= 1 for s in scores)
    assert set(record["topic_scores"]) == set(TOPICS)


def test_a_bare_string_is_rejected(default_model):
    with pytest.raises(TypeError, match="single string"):
        default_model.predict(MISSILE)


def test_same_text_same_prediction_alone_and_in_a_batch(default_model):
    alone = default_model.predict([MISSILE])[0]
    batch = default_model.predict([RECIPE, MISSILE, RECIPE])[1]
    assert alone == batch
