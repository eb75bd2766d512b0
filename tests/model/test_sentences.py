import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.sentences import sentence_tokens, split_sentences
from model.tokens import tokenize


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gen. Kim met U.S. officials. They talked.", ["Gen. Kim met U.S. officials.", "They talked."]),
        ("He said “We will respond.” Then he left.", ["He said “We will respond.”", "Then he left."]),
        ("SEOUL, Jan. 5 (Yonhap) -- The North fired a missile. Japan protested.", ["SEOUL, Jan. 5 (Yonhap) -- The North fired a missile.", "Japan protested."]),
        ("First line\nSecond line", ["First line", "Second line"]),
        ("Talks with Mr. Lee and Dr. J. Park ended.", ["Talks with Mr. Lee and Dr. J. Park ended."]),
        ("", []),
    ],
)
def test_news_sentences(text, expected):
    assert split_sentences(text) == expected


@given(st.text(alphabet=st.sampled_from(list("ab Z.!?\n“”’'()Σσ İ1_-")), max_size=80))
def test_the_sentences_tokens_joined_are_the_tokens_of_the_whole_text(text):
    # Prediction tokenizes each sentence once and reads the article as their concatenation.
    assert [token for sentence in sentence_tokens(text) for token in sentence] == tokenize(text)
