import pytest

from model.sentences import split_sentences


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
