import re

from hypothesis import given
from hypothesis import strategies as st

from model.actors import find_mentions, phrase_alternation


def _who(sentence):
    return [(sentence[m.start : m.end], m.actor, m.role) for m in find_mentions(sentence)]


def test_countries_capitals_demonyms_and_state_media():
    assert _who("Beijing and Tokyo traded barbs as KCNA accused the Americans of plotting war.") == [
        ("Beijing", "CHN", "government"),
        ("Tokyo", "JPN", "government"),
        ("KCNA", "PRK", "government"),
        ("Americans", "USA", "government"),
    ]


def test_role_words_nearby_decide_opposition_and_public():
    assert _who("Three South Korean opposition parties protested.") == [("South Korean", "KOR", "opposition")]
    assert _who("Analysts in Seoul doubted the plan.") == [("Seoul", "KOR", "public")]
    assert _who("Former U.S. officials warned against it.") == [("U.S.", "USA", "public")]


def test_a_country_word_in_an_officials_title_is_part_of_one_mention():
    assert _who("NHK quoted Japanese Foreign Minister Fumio Kishida as saying so.") == [("Fumio Kishida", "JPN", "government")]
    assert _who("Chinese Foreign Ministry spokesman Geng Shuang said so.") == [("Geng Shuang", "CHN", "government")]
    # Not a title: other words between, or another actor.
    assert _who("Japanese officials and Kishida agreed.") == [("Japanese", "JPN", "government"), ("Kishida", "JPN", "government")]
    assert _who("Chinese President Moon Jae-in is not a thing.")[0][1] == "CHN"


def test_a_named_official_is_recast_only_by_the_word_right_after_it():
    assert _who("Kishida told public broadcaster NHK so.") == [("Kishida", "JPN", "government")]
    assert _who("As President Park Geun Hye faces mounting public pressure, she signed.") == [("Park Geun Hye", "KOR", "government")]
    assert _who("A PLA expert said the drills were a warning.") == [("PLA", "CHN", "public")]
    assert _who("Former President Moon Jae-in objected.") == [("Moon Jae-in", "KOR", "public")]


def test_longest_name_wins_and_abbreviations_are_whole_words():
    assert _who("The Global Times said so.") == [("Global Times", "CHN", "government")]
    assert _who("USB drives and usury are not actors; the U.S. is.") == [("U.S.", "USA", "government")]


def test_every_lexicon_line_is_well_formed():
    from model.actors import LEXICON_DIR
    from model.labels import ROLES, is_actor

    for line in (LEXICON_DIR / "actors.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            phrase, actor, role = line.split("\t")
            assert phrase.strip() == phrase and is_actor(actor) and role in (*ROLES, "any"), line


@given(st.lists(st.text(alphabet="ab .", min_size=1, max_size=4), min_size=1, max_size=6), st.text(alphabet="ab .", max_size=12))
def test_a_phrase_tree_matches_what_a_longest_first_list_matches(phrases, text):
    tree = re.compile(f"(?:{phrase_alternation(phrases)})(?![ab])")
    listed = re.compile("(?:" + "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True)) + ")(?![ab])")
    assert [m.span() for m in tree.finditer(text)] == [m.span() for m in listed.finditer(text)]
