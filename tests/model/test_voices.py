"""Who stands where: holders of a sentence and the voices the packaged model finds."""

import json

import pytest

from model.actors import find_mentions
from model.sentences import split_sentences
from model.text_cleaning import clean_text
from model.voices import _candidates, holders, takes_no_position
from tests.conftest import REPO


def _holders(sentence):
    found, as_speaker = holders(sentence, find_mentions(sentence))
    return [(m.actor, m.role) for m in found], as_speaker


def test_speaker_patterns():
    assert _holders("The pact will hurt regional stability, said foreign ministry spokesman Geng Shuang in Beijing.") == (
        [("CHN", "government")],
        True,
    )
    assert _holders("China, already angry at South Korea’s plans, sharply criticised Seoul and Tokyo.") == ([("CHN", "government")], True)
    # "says" inverts the attribution only after a clause ends: here Seoul is what China says, not a speaker.
    assert _holders("China says Seoul’s decision to deploy THAAD will raise the risk of conflict.") == ([("CHN", "government")], True)


def test_criticism_from_several_sources():
    sentence = "Japan and South Korea signed the deal despite protests from opposition parties and activists in Seoul and criticism from China."
    assert _holders(sentence)[0] == [("KOR", "opposition"), ("CHN", "government")]


def test_reported_speech_inside_reported_speech_belongs_to_the_inner_speaker():
    assert _holders("Seoul’s defense ministry said Beijing had told it that the deployment was unacceptable.")[0] == [("CHN", "government")]


def test_a_quotation_standing_alone_goes_on_with_the_last_speaker():
    sentences = [
        "“North Korea is ready to conduct more nuclear tests at any time,” South Korea’s Defense Ministry said.",
        "“Since we can now use Japan’s intelligence to deal with the threat, it will enhance our security.”",
        "“Japan’s help matters,” the Yonhap news agency quoted an unnamed official as saying.",
    ]
    holding = {key: cand.sentences for key, cand in _candidates(sentences)[0].items()}
    # The second sentence is the ministry's, not Japan's (the first actor named in it); the third
    # names a speaker of its own, so the ministry's turn has ended.
    assert holding[("KOR", "government")] == [0, 1]
    assert 1 not in holding.get(("JPN", "government"), [])


def test_the_ministry_said_refers_back_to_the_speaker_named_last():
    sentences = [
        "South Korea’s defence ministry said the accord was necessary against growing threats.",
        "The deal was signed on Wednesday morning at a closed ceremony.",
        "“The North is ready to conduct more tests at any time,” the ministry said in a statement.",
    ]
    assert _candidates(sentences)[0][("KOR", "government")].sentences == [0, 2]


def test_a_quotation_by_a_speaker_who_is_no_known_actor_is_held_by_no_one():
    sentences = ["“Information on Pyongyang’s missiles will help us,” the Yonhap news agency quoted a Defense Ministry official as saying."]
    assert _candidates(sentences)[0] == {}  # not North Korea's view, though Pyongyang is the first actor named


def test_negation_takes_no_position():
    assert takes_no_position("Tokyo did not oppose the drills.")
    assert takes_no_position("Moscow has never backed the sanctions.")
    assert not takes_no_position("Tokyo opposed the drills.")


def test_a_negated_objection_is_not_an_oppose_voice(default_model):
    text = (
        "South Korea and the United States began their annual joint exercise on Monday. "
        "Japan did not oppose the drills, which run for eleven days near the demilitarized zone. "
        "The allies said the exercise was defensive."
    )
    voices = default_model.voices_.extract(clean_text(text))
    assert ("JPN", "government", "oppose") not in {(v.actor, v.role, v.stance) for v in voices}


def test_the_subject_of_the_news_is_not_a_voice(default_model):
    text = (
        "North Korea fired two short-range ballistic missiles into the sea off its east coast on Thursday morning. "
        "The missiles flew about 400 kilometers before falling outside Japan’s exclusive economic zone. "
        "It was the third launch this month."
    )
    voices = default_model.voices_.extract(clean_text(text))
    assert all(v.actor != "PRK" for v in voices)


def test_an_article_with_no_actors_has_no_voices(default_model):
    assert default_model.voices_.extract("The exercise ended on Friday after eleven days of drills at sea and in the air.") == []


GOLD = [json.loads(line) for line in (REPO / "seeds" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_seed_voices_are_found_and_none_has_the_wrong_stance(default_model, gold):
    text = (REPO / "seeds" / gold["file"]).read_text(encoding="utf-8")
    found = {(v.actor, v.role): v for v in default_model.predict([text])[0].voices}
    for voice in gold["voices"]:
        key = (voice["actor"], voice["role"])
        assert key in found, f"missing voice {key}"
        assert found[key].stance == voice["stance"], f"{key} comes out as {found[key].stance}"
    for v in found.values():
        assert v.evidence in clean_text(text)


def test_articles_scored_together_get_the_voices_they_get_alone(default_model):
    texts = [clean_text((REPO / "seeds" / g["file"]).read_text(encoding="utf-8")) for g in GOLD]
    articles = [*texts, "No actor here at all.", texts[0]]
    together = default_model.voices_.extract_many([split_sentences(t) for t in articles])
    assert together == [default_model.voices_.extract(t) for t in articles]
    assert together[0] and together[2] == [] and together[3] == together[0]
