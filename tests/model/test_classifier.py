import json
import math

import pytest

from model.classifier import UNCERTAIN_RELEVANCE_MARGIN, UNCERTAIN_STANCE_SCORE
from model.labels import STANCES, TOPICS
from model.prediction import UNCERTAIN, UNFAMILIAR

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


def test_text_unlike_the_training_data_is_flagged_unfamiliar(default_model):
    lorem, article = default_model.predict(
        [
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
            "North Korea fired a ballistic missile into the sea off its east coast on Tuesday, Japan's defense ministry said.",
        ]
    )
    assert UNFAMILIAR in lorem.flags and not lorem.relevant
    assert UNFAMILIAR not in article.flags and article.relevant


def test_uncertain_predictions_are_flagged_and_are_wrong_more_often(default_model, repo):
    from training.evaluate import flag_check
    from training.sources import load_labeled
    from training.split import split_records

    records, _ = load_labeled([repo / "data" / "corpus"])
    test = split_records(records)[1]
    predicted = default_model.predict([r.data["text"] for r in test], voices=False)
    for p in predicted:
        near = abs(p.relevance - default_model.relevance_threshold) < UNCERTAIN_RELEVANCE_MARGIN
        unsure_stance = p.relevant and max(p.stance_scores.values()) < UNCERTAIN_STANCE_SCORE
        assert (UNCERTAIN in p.flags) >= (near or unsure_stance), p.id
    check = flag_check([r.data for r in test], predicted)
    assert check["flagged"] > 0 and check["correct_when_flagged"] < check["correct_when_not"]


def test_batches_give_the_same_predictions_and_info_reads_the_manifest(default_model):
    import model

    texts = [MISSILE, RECIPE, MISSILE + " Seoul said it would respond.", RECIPE.upper(), "Japan protested."]
    whole = [p.to_dict() for p in default_model.predict(texts)]
    assert [p.to_dict() for p in default_model.predict(texts, batch_size=2)] == whole
    assert model.info()["version"] == default_model.version
