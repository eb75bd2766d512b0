"""Who stands where. Three steps, each small:

1. sentences are classified as supporting, opposing or taking no position on the article's
   target (logistic regression over sentence n-grams, taught by the corpus' evidence);
2. each sentence's holders are found: speakers ("X said", "said X", "criticism from X"), else
   the first actor named (model.actors finds the actors);
3. every (actor, role) that holds a sentence is a candidate; a second logistic regression
   over its sentences' scores, its role and actor decides none / support / oppose.
One voice per actor and role, with the sentence that shows its stance best."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from model.actors import Mention, find_mentions, phrase_alternation
from model.features import TfidfFeatures, make_vectorizer
from model.linear import LinearHeads, heads_from_logistic, softmax
from model.prediction import Voice
from model.sentences import SENTENCE_STANCES, evidence_stances, split_sentences
from model.tokens import TokenBatch, tokenize

CANDIDATE_LABELS = ("none", "support", "oppose")
FRAME_ACTORS = ("KOR", "PRK", "JPN", "CHN", "TWN", "USA", "RUS", "UN")
ROLES = ("government", "opposition", "public")
MIN_WORDS = 5  # shorter "sentences" are datelines, bylines and headings

_SPEECH_VERBS = (
    r"said|says|say|told|tells|warned|warns|criticized|criticised|criticizes|criticises|condemned|condemns|denounced|denounces"
    r"|protested|protests|urged|urges|called|calls|welcomed|welcomes|praised|praises|accused|accuses|slammed|slams|rejected"
    r"|rejects|opposed|opposes|supported|supports|backed|backs|argued|argues|insisted|insists|stressed|stresses|vowed|vows"
    r"|claimed|claims|described|describes|termed|blasted|lambasted|hailed|hails|endorsed|endorses|applauded|expressed|voiced"
    r"|noted|added|stated|declared|announced|defended|defends|demanded|demands|decried|branded|dismissed|questioned|doubted"
    r"|fears|feared|believes|believed"
).split("|")
_SPEECH = phrase_alternation(_SPEECH_VERBS)  # a prefix tree: each position tries a few letters, not 90 words
_ADVERBS = r"(?:has\s+|have\s+|had\s+|also\s+|strongly\s+|sharply\s+|repeatedly\s+|again\s+)*"
_SPEAKER_AFTER = re.compile(rf"^(?:['’]s)?\W*(?:\S+\s+){{0,7}}?{_ADVERBS}(?:{_SPEECH})\b", re.I)
# Inverted attribution: "..., said foreign ministry spokesman Geng Shuang", "according to Seoul". A speech
# verb inverts only after a clause ends: in "China says Seoul's decision ...", Seoul is what is said.
_ATTRIBUTIONS = ("said", "says", "added", "noted", "stated", "wrote")
_SOURCES = ("according to", "quoted", "quoting", "citing")
_SPEAKER_BEFORE = re.compile(
    rf"(?:(?:^|[,“”\"])\s*(?:{phrase_alternation(_ATTRIBUTIONS)})|\b(?:{phrase_alternation(_SOURCES)}))\s+(?:\S+\s+){{0,6}}$", re.I
)
_SOURCE_NOUN = re.compile(
    r"\b(?:criticism|protests?|opposition|objections?|condemnation|support|backing|praise|warnings?|anger|outrage|welcome)\s+"
    r"(?:\w+\s+){0,2}?(?:from|by)\s+(?:\S+\s+){0,8}$",
    re.I,
)
_APPOSITIVE = re.compile(r"^\s*,[^,]{0,120},")  # "China, already angry at ..., sharply criticised"
# A sentence that is one quotation and nothing else: "“We will respond.”"
_WHOLE_QUOTATION = re.compile(r"\s*[“\"][^“”\"]+[”\"]\W*$")
# A quotation whose speaker is named by a back-reference: "“...,” the ministry said."
_BACK_REFERENCE = re.compile(
    r"[”\"],?\s+(?:the\s+(?:\w+\s+)?(?:ministry|minister|spokesman|spokeswoman|spokesperson|office)|he|she)\s+(?:\w+\s+)?(?:said|says|added|told)\b"
)
# A quotation, then who said it: "“...,” the agency quoted an official as saying."
_QUOTE_THEN_SPEAKER = re.compile(r"\s*[“\"][^“”\"]+[”\"],?\s+(?P<rest>.*\b(?:said|says|told|added|quoted|according to)\b.*)$", re.I)


_NEGATED = re.compile(
    r"\b(?:did not|didn[’']t|does not|doesn[’']t|do not|don[’']t|has not|hasn[’']t|have not|haven[’']t|never|no longer|not)\s+"
    r"(?:\w+\s+)?(?:oppose|object|criticize|criticise|condemn|protest|support|back|endorse|welcome|reject)\w*\b",
    re.I,
)


def holders(sentence: str, mentions: list[Mention]) -> tuple[list[Mention], bool]:
    """The actors that take the sentence's position, and whether they were found as speakers
    ("X said", "said X", "criticism from X") rather than as the first actor named. In reported
    speech inside reported speech ("Seoul said Beijing told it ..."), the inner speaker holds."""
    found: list[tuple[Mention, int]] = []  # speaker and where its speech verb ends
    for m in mentions:
        rest = sentence[m.end :]
        after = _APPOSITIVE.sub("", rest, count=1)
        verb = _SPEAKER_AFTER.match(after)
        if verb:
            found.append((m, m.end + len(rest) - len(after) + verb.end()))
        elif _SPEAKER_BEFORE.search(before := sentence[max(0, m.start - 160) : m.start]) or _SOURCE_NOUN.search(before):
            found.append((m, len(sentence) + 1))  # names a source; reports no one else's speech
    # One speaker per speech verb (the subject, named first); an inner speaker outranks its reporter.
    first_per_verb = {verb_end: m for m, verb_end in reversed(found)}
    found = [(m, verb_end) for m, verb_end in found if verb_end > len(sentence) or first_per_verb[verb_end] is m]
    inner = [m for m, verb_end in found if not any(other.start >= verb_end for other, _ in found)]
    unique = list({(m.actor, m.role): m for m in reversed(inner)}.values())[::-1]  # first mention of each actor and role
    return (unique, True) if unique else (mentions[:1], False)


_NEGATION_WORDS = ("not", "n't", "n’t", "never", "no longer")  # one of them is in every `_NEGATED` match


def takes_no_position(sentence: str) -> bool:
    """A negated stance verb ("did not oppose", "never backed") states no position."""
    lowered = sentence.lower()
    return any(word in lowered for word in _NEGATION_WORDS) and bool(_NEGATED.search(sentence))


@dataclass
class _Candidate:
    """Everything one (actor, role) does in one article."""

    sentences: list[int] = field(default_factory=list)
    as_speaker: bool = False
    mentioned: int = 0
    first_seen: int = 0


@dataclass
class _Scored:
    """An article's candidates, their feature rows and its sentences' stance scores."""

    candidates: dict[tuple[str, str], _Candidate]
    rows: list[tuple[tuple[str, str], list[float]]]
    sentence_proba: np.ndarray


def _candidates(sentences: list[str]) -> tuple[dict[tuple[str, str], _Candidate], list[int]]:
    """Candidates of an article, and the indices of sentences long enough to judge."""
    cands: dict[tuple[str, str], _Candidate] = {}
    usable = []
    speakers: list[Mention] = []  # who spoke in the sentence before
    last_speakers: list[Mention] = []  # who spoke last, in any sentence before
    for i, sentence in enumerate(sentences):
        long_enough = len(sentence.split()) >= MIN_WORDS
        mentions = find_mentions(sentence) if long_enough else []
        found, as_speaker = holders(sentence, mentions) if mentions else ([], False)
        if not as_speaker and speakers and long_enough and _WHOLE_QUOTATION.match(sentence):
            found, as_speaker = speakers, True  # a quotation alone goes on with the last speaker's words
        elif not as_speaker and last_speakers and long_enough and _BACK_REFERENCE.search(sentence):
            found, as_speaker = last_speakers, True  # "“...,” the ministry said": the speaker named last
        elif not as_speaker and (quoted := _QUOTE_THEN_SPEAKER.match(sentence)) and all(m.start < quoted.start("rest") for m in found):
            found = []  # "“... Pyongyang ...,” an official said": the speaker is no actor we know
        speakers = found if as_speaker else []
        last_speakers = speakers or last_speakers
        if not found:
            continue
        usable.append(i)
        for m in mentions:
            cands.setdefault((m.actor, m.role), _Candidate(first_seen=i)).mentioned += 1
        for key in ((m.actor, m.role) for m in found):  # a carried-over speaker is a candidate already
            cands[key].sentences.append(i)
            cands[key].as_speaker |= as_speaker
    return {k: c for k, c in cands.items() if c.sentences}, usable


def _features(key: tuple[str, str], cand: _Candidate, proba: list[list[float]], n_sentences: int, doc_lean: float) -> list[float]:
    """Candidate features: its sentences' stance scores, prominence, role and actor. `proba` is
    the article's sentence scores as lists (a candidate has a few sentences: Python floats are
    quicker than numpy's per-call overhead, and give the same numbers)."""
    support = [proba[i][0] for i in cand.sentences]
    oppose = [proba[i][1] for i in cand.sentences]
    lean = [s - o for s, o in zip(support, oppose)]
    # numpy's mean sums 8 or more values pairwise: use it there to keep the same rounding.
    mean_lean = sum(lean) / len(lean) if len(lean) < 8 else float(np.mean(lean))
    actor, role = key
    return [
        max(support),
        max(oppose),
        mean_lean,
        math.log1p(len(cand.sentences)),
        float(cand.as_speaker),
        math.log1p(cand.mentioned),
        cand.first_seen / max(1, n_sentences),
        doc_lean,
        *[float(role == r) for r in ROLES],
        *[float(actor == a) for a in FRAME_ACTORS],
    ]


class VoiceExtractor:
    """Sentence-stance classifier, holder rules and candidate classifier; fit on the corpus'
    voice evidence."""

    def __init__(self, *, C: float = 4.0, folds: int = 5, seed: int = 0) -> None:
        self.C = C
        self.folds = folds
        self.seed = seed

    # ----------------------------------------------------------------- training
    def fit(self, texts: Sequence[str], voices: Sequence[Sequence[dict]], groups: Sequence[str] | None = None) -> VoiceExtractor:
        """Learn from cleaned article texts and their gold voices; `groups` (event ids) keep
        an event's articles together when scoring candidates out of fold."""
        self.sentence_heads_ = None
        texts, voices = list(texts), list(voices)
        if sum(len(v) for v in voices) < 10:
            return self  # no voice evidence to learn from: this extractor finds no voices
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold

        groups = np.asarray(groups if groups is not None else range(len(texts)))
        split = [split_sentences(t) for t in texts]
        rows, labels = [], []
        for train_idx, held_idx in GroupKFold(n_splits=self.folds).split(texts, groups=groups):
            features, heads = self._fit_sentences([split[i] for i in train_idx], [voices[i] for i in train_idx])
            for i, scored in zip(held_idx, _score_articles([split[i] for i in held_idx], features, heads)):
                gold = {(v["actor"], v["role"]): v["stance"] for v in voices[i]}
                for key, vector in scored.rows:
                    rows.append(vector)
                    labels.append(CANDIDATE_LABELS.index(gold.get(key, "none")))
        model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000, random_state=self.seed)
        model.fit(np.array(rows), labels)
        self.candidate_heads_ = heads_from_logistic(model)
        self.sentence_features_, self.sentence_heads_ = self._fit_sentences(split, voices)
        return self

    def _fit_sentences(self, split: list[list[str]], voices: list[Sequence[dict]]) -> tuple[TfidfFeatures, LinearHeads]:
        """Evidence sentences teach support/oppose; sentences naming none of the article's
        voices teach `none` (sentences naming a voice may restate it: left out)."""
        from sklearn.linear_model import LogisticRegression

        sentences, labels = [], []
        for doc_sentences, doc_voices in zip(split, voices):
            voiced = {v["actor"] for v in doc_voices}
            for sentence, label in zip(doc_sentences, evidence_stances(doc_sentences, doc_voices)):
                if label is None and any(m.actor in voiced for m in find_mentions(sentence)):
                    continue
                sentences.append(sentence)
                labels.append(label or "none")
        vectorizer = make_vectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5)
        X = vectorizer.fit_transform(sentences)
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, random_state=self.seed)
        model.fit(X, [SENTENCE_STANCES.index(label) for label in labels])
        return TfidfFeatures.from_vectorizer(vectorizer), heads_from_logistic(model)

    def feature_spaces(self) -> list[TfidfFeatures]:
        """The sentence classifier's feature space (none when there was no evidence to learn from)."""
        return [self.sentence_features_] if self.sentence_heads_ is not None else []

    # --------------------------------------------------------------- prediction
    def extract(self, text: str) -> list[Voice]:
        """Voices in a cleaned article text, strongest first."""
        return self.extract_many([split_sentences(text)])[0]

    def extract_many(self, articles: Sequence[list[str]], tokens: TokenBatch | None = None) -> list[list[Voice]]:
        """Voices of several articles given as their sentences (`split_sentences`), and, when
        known, those sentences' tokens (a `TokenBatch` of these articles); their sentences are
        scored together."""
        if self.sentence_heads_ is None:
            return [[] for _ in articles]
        all_scored = _score_articles(articles, self.sentence_features_, self.sentence_heads_, tokens)
        rows = [vector for scored in all_scored for _, vector in scored.rows]
        decided = iter(softmax(self.candidate_heads_.decisions_dense(np.array(rows))) if rows else [])
        return [_voices(sentences, scored, decided) for sentences, scored in zip(articles, all_scored)]


def _score_articles(
    articles: Sequence[list[str]], features: TfidfFeatures, heads: LinearHeads, tokens: TokenBatch | None = None
) -> list[_Scored]:
    """Each article's candidates with their feature vectors and its sentences' stance scores;
    the usable sentences of all articles go through the sentence classifier at once."""
    found = [_candidates(sentences) for sentences in articles]
    wanted = [(a, i) for a, (cands, usable) in enumerate(found) if cands for i in usable]
    if tokens is None:
        tokens = TokenBatch.from_sentences([[tokenize(sentence) for sentence in sentences] for sentences in articles])
    sentence_rows = features.transform_sentences(tokens, np.array([tokens.first_sentence[a] + i for a, i in wanted], dtype=np.int64))
    all_proba = softmax(heads.decisions(sentence_rows)) if wanted else np.zeros((0, 3))
    out, taken = [], 0
    for sentences, (cands, usable) in zip(articles, found):
        proba = np.zeros((len(sentences), 3))
        if not cands:
            out.append(_Scored(cands, [], proba))
            continue
        proba[usable] = all_proba[taken : taken + len(usable)]
        taken += len(usable)
        proba[[i for i in usable if takes_no_position(sentences[i])]] = (0.0, 0.0, 1.0)
        doc_lean = float((proba[usable, 0] - proba[usable, 1]).mean())
        as_lists = proba.tolist()
        rows = [(key, _features(key, cand, as_lists, len(sentences), doc_lean)) for key, cand in cands.items()]
        out.append(_Scored(cands, rows, proba))
    return out


def _voices(sentences: list[str], scored: _Scored, decided: Iterator[np.ndarray]) -> list[Voice]:
    """An article's voices from its candidates' decided probabilities (taken from `decided`
    in candidate order), strongest first."""
    voices = []
    for key, _ in scored.rows:
        p = next(decided)
        label = int(np.argmax(p))
        if CANDIDATE_LABELS[label] == "none":
            continue
        stance = CANDIDATE_LABELS[label]
        column = SENTENCE_STANCES.index(stance)
        best = max(scored.candidates[key].sentences, key=lambda i: scored.sentence_proba[i, column])
        voices.append(Voice(key[0], key[1], stance, sentences[best], round(float(p[label]), 4)))
    return sorted(voices, key=lambda v: -v.score)
