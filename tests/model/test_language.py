import pytest

from model.language import looks_english
from model.tokens import tokenize

ENGLISH = "Japan protested after North Korea fired a ballistic missile that landed in the sea, the defense ministry said on Tuesday."


@pytest.mark.parametrize(
    "text, english",
    [
        (ENGLISH * 2, True),
        ("북한이 화요일 동해상으로 탄도미사일 두 발을 발사했다고 합동참모본부가 밝혔다. " * 3, False),
        ("Le gouvernement sud-coréen a annoncé mardi que l’armée avait détecté le lancement de deux missiles "
         "balistiques depuis la côte est du pays vers la mer, selon un communiqué publié dans la soirée à Séoul.", False),
        ("Too short to judge.", True),
    ],
)
def test_language_check(text, english):
    assert looks_english(tokenize(text)) is english
