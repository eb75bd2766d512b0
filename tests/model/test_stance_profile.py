import numpy as np

from model.stance_profile import PROFILE_SIZE, StanceProfile


def test_profile_of_the_packaged_model_separates_support_from_opposition(default_model):
    support = "The ministry said the pact would strengthen deterrence and welcomed the agreement as necessary for security."
    oppose = "Beijing condemned the pact as a dangerous provocation and warned it would destabilize the region."
    profile = default_model.profile_.transform([support, oppose])
    assert profile.shape == (2, PROFILE_SIZE) and np.isfinite(profile).all()
    assert profile[0, 0] > profile[1, 0] and profile[1, 1] > profile[0, 1]  # support mass, oppose mass


def test_without_evidence_of_both_kinds_every_profile_is_zero():
    profile = StanceProfile().fit(["A text."], [[{"evidence": "A text.", "stance": "support"}]])
    assert not profile.transform(["Anything at all. Another sentence."]).any()


def test_articles_profiled_together_get_the_profile_they_get_alone(default_model):
    texts = ["Seoul welcomed the pact. Beijing condemned it.", "", "One sentence only.", "Tokyo said the deal was necessary."]
    together = default_model.profile_.transform(texts)
    alone = np.vstack([default_model.profile_.transform([t]) for t in texts])
    np.testing.assert_allclose(together, alone)
    assert not together[1].any()  # no sentences, no profile


def test_an_article_giving_both_sides_room_reads_as_balanced(default_model):
    both = "Tokyo welcomed the pact as necessary for deterrence. Beijing condemned the pact as a dangerous provocation."
    critics = "Beijing condemned the pact as a dangerous provocation. Pyongyang denounced the pact as a plot for war."
    share, balance, both_sides = default_model.profile_.transform([both, critics])[:, 8:].T
    assert balance[0] > balance[1] and share[0] > share[1]  # the three-class columns: support share, balance, both sides
    assert both_sides.tolist() == [1.0, 0.0]
