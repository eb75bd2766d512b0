"""Who stands where: sentences are classified as supporting, opposing or taking no position
on the article's target; the actors holding each sentence (speaker patterns, else the first
actor named) collect its stance; one voice per actor and role, with its best sentence."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from model.actors import Mention, find_mentions
from model.features import make_vectorizer
from model.prediction import Voice
from model.sentences import split_sentences

SENTENCE_LABELS = ("support", "oppose", "none")
_SPEECH = (
    r"said|says|say|told|tells|warned|warns|criticized|criticised|criticizes|criticises|condemned|condemns|denounced|denounces"
    r"|protested|protests|urged|urges|called|calls|welcomed|welcomes|praised|praises|accused|accuses|slammed|slams|rejected|rejects"
    r"|opposed|opposes|supported|supports|backed|backs|argued|argues|insisted|insists|stressed|stresses|vowed|vows|claimed|claims"
    r"|described|describes|termed|blasted|lambasted|hailed|hails|endorsed|endorses|applauded|expressed|voiced|noted|added|stated"
    r"|declared|announced|defended|defends|demanded|demands|decried|branded|dismissed|questioned|doubted|fears|feared|believes|believed"
)
_SPEAKER_AFTER = re.compile(rf"^\W*(?:\S+\s+){{0,7}}?(?:has\s+|have\s+|had\s+|also\s+|strongly\s+|sharply\s+|repeatedly\s+)*(?:{_SPEECH})\b", re.I)
_SPEAKER_BEFORE = re.compile(rf"\b(?:{_SPEECH}|according to|quoted|quoting)\s+(?:\S+\s+){{0,6}}$", re.I)
_SOURCE_NOUN = re.compile(
    r"\b(?:criticism|protests?|opposition|objections?|condemnation|support|backing|praise|warnings?|anger|outrage|welcome)\s+"
    r"(?:\w+\s+){0,2}?(?:from|by)\s+(?:\S+\s+){0,8}$",
    re.I,
)


def holders(sentence: str, mentions: list[Mention]) -> list[Mention]:
    """The actors that take the sentence's position: speakers ("X said", "said X",
    "criticism from X"), or else the first actor named."""
    found = []
    for m in mentions:
        after, before = sentence[m.end :], sentence[: m.start]
        if _SPEAKER_AFTER.match(after) or _SPEAKER_BEFORE.search(before) or _SOURCE_NOUN.search(before):
            found.append(m)
    return found or mentions[:1]


class VoiceExtractor:
    """A sentence-stance classifier plus holder rules; fit on the corpus' voice evidence."""

    def __init__(self, *, C: float = 4.0, min_confidence: float = 0.5, seed: int = 0) -> None:
        self.C = C
        self.min_confidence = min_confidence
        self.seed = seed

    def fit(self, texts: Sequence[str], voices: Sequence[Sequence[dict]]) -> VoiceExtractor:
        """Evidence sentences teach support/oppose; sentences naming none of the document's
        voices teach `none`."""
        sentences, labels = [], []
        for text, doc_voices in zip(texts, voices):
            evidence = {v["evidence"].strip(): v["stance"] for v in doc_voices}
            voiced = {v["actor"] for v in doc_voices}
            for sentence in split_sentences(text):
                label = next((s for e, s in evidence.items() if sentence in e or e in sentence), None)
                if label is None and any(m.actor in voiced for m in find_mentions(sentence)):
                    continue  # may restate a voice's position: neither a clean positive nor a clean none
                sentences.append(sentence)
                labels.append(label or "none")
        self.vectorizer_ = make_vectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5)
        X = self.vectorizer_.fit_transform(sentences)
        self.model_ = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)
        self.model_.fit(X, [SENTENCE_LABELS.index(label) for label in labels])
        return self

    def sentence_proba(self, sentences: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of support, oppose, none for each sentence."""
        return self.model_.predict_proba(self.vectorizer_.transform(sentences))

    def extract(self, text: str) -> list[Voice]:
        """Voices in a cleaned article text, strongest first."""
        sentences = split_sentences(text)
        if not sentences:
            return []
        proba = self.sentence_proba(sentences)
        tally: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
        for i, sentence in enumerate(sentences):
            support, oppose = proba[i, 0], proba[i, 1]
            if max(support, oppose) < self.min_confidence:
                continue
            for m in {(h.actor, h.role): h for h in holders(sentence, find_mentions(sentence))}.values():
                tally[(m.actor, m.role)].append((support - oppose, i))
        voices = []
        for (actor, role), signed in tally.items():
            total = sum(s for s, _ in signed)
            if total == 0:
                continue
            stance = "support" if total > 0 else "oppose"
            best_signed, best_i = max(signed, key=lambda x: x[0] if total > 0 else -x[0])
            column = 0 if stance == "support" else 1
            voices.append(Voice(actor, role, stance, sentences[best_i], round(float(proba[best_i, column]), 4)))
        return sorted(voices, key=lambda v: -v.score)
