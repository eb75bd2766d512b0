"""`regsec suggest`: which unlabeled articles to label next (active learning). Every article is
scored by how unsure the model is of it; from the most unsure ones a diverse few are picked
(greedy farthest-point on TF-IDF, weighted by uncertainty), and each comes back as a label record (LABELS.md section 5)
with the model's guesses filled in, ready to correct and feed to `regsec train --data`."""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from model.classifier import MAX_CHARS, RegsecClassifier
from model.inputs import Document
from model.labels import STANCES, TOPICS
from model.prediction import NOT_ENGLISH, Prediction
from model.text_cleaning import clean_text

POOL_FACTOR = 4  # the n picks come from the POOL_FACTOR * n most uncertain documents
HELPER_FIELD = "suggest"  # the record field holding why a document was picked (check_record ignores it)
BATCH_SIZE = 256


@dataclass(frozen=True)
class Uncertainty:
    """How unsure the model is of one document (0 sure .. 1 a coin flip), and why."""

    score: float
    reason: str
    parts: dict[str, float]


@dataclass
class Suggestions:
    """The records to label, in pick order, and the inputs that could not be considered."""

    records: list[dict[str, Any]]
    skipped: list[Document] = field(default_factory=list)  # each with `error` saying why
    considered: int = 0  # documents scored


def _closeness(score: float, threshold: float) -> float:
    """1 at the threshold, falling linearly to 0 at 0 and at 1 (each side scaled to its own width)."""
    if score < threshold:
        return score / threshold if threshold > 0 else 0.0
    return (1.0 - score) / (1.0 - threshold) if threshold < 1 else 0.0


def uncertainty(clf: RegsecClassifier, prediction: Prediction) -> Uncertainty:
    """The document's most uncertain decision: relevance near its threshold, a topic near its
    own threshold, or a stance split (entropy over the three stances, normalized to 0..1). Topic
    and stance count in proportion to how relevant the model finds the document (fully at its
    relevance threshold and above), since an off-topic document has neither."""
    r, r_threshold = prediction.relevance, clf.relevance_threshold
    relevance_part = _closeness(r, r_threshold)
    weight = min(1.0, r / r_threshold) if r_threshold > 0 else 1.0
    topic_closeness = [_closeness(prediction.topic_scores[t], th) for t, th in zip(TOPICS, clf.topic_thresholds_)]
    k = int(np.argmax(topic_closeness))
    stance_p = np.array([prediction.stance_scores[s] for s in STANCES], dtype=np.float64)
    stance_p = stance_p / stance_p.sum() if stance_p.sum() > 0 else np.full(len(STANCES), 1 / len(STANCES))
    entropy = float(-(stance_p * np.log(np.clip(stance_p, 1e-12, 1.0))).sum() / np.log(len(STANCES)))
    parts = {"relevance": round(relevance_part, 4), "topic": round(weight * topic_closeness[k], 4), "stance": round(weight * entropy, 4)}
    reasons = {
        "relevance": f"relevance {r:.2f} {_near(relevance_part)} threshold {r_threshold:.2f}",
        "topic": f"topic {TOPICS[k]} {prediction.topic_scores[TOPICS[k]]:.2f} {_near(topic_closeness[k])} threshold {clf.topic_thresholds_[k]:.2f}",
        "stance": "stance split: " + ", ".join(f"{STANCES[j]} {stance_p[j]:.2f}" for j in np.argsort(-stance_p, kind="stable")),
    }
    top = max(parts, key=parts.__getitem__)  # first of equals: relevance, then topic, then stance
    return Uncertainty(parts[top], reasons[top], parts)


def _near(closeness: float) -> str:
    return "near" if closeness >= 0.5 else "far from"


@dataclass(order=True)
class _Candidate:
    score: float
    tiebreak: float
    position: int  # negated input position: earlier documents win exact ties
    document: Document = field(compare=False)
    uncertain: Uncertainty = field(compare=False)


def suggest(clf: RegsecClassifier, documents: Iterable[Document], n: int, seed: int = 0, batch_size: int = BATCH_SIZE) -> Suggestions:
    """Pick `n` documents worth labeling: the POOL_FACTOR * n most uncertain (streamed, so any
    number of documents fits in memory), then n diverse ones among them (`diverse_order`), starting
    from the most uncertain. Unreadable, non-English and repeated-id documents are skipped and returned.
    `seed` breaks ties between equally uncertain documents; the same input and seed give the same picks."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    pool_size = POOL_FACTOR * n
    rng = np.random.default_rng(seed)
    pool: list[_Candidate] = []
    skipped: list[Document] = []
    seen: set[str] = set()
    considered = 0
    for batch in _batches(documents, batch_size):
        readable = []
        for position, doc in batch:
            if doc.error is not None or doc.text is None:
                skipped.append(doc if doc.error else Document(doc.id, error=f"{doc.id}: no text"))
            elif doc.id in seen:
                skipped.append(Document(doc.id, error=f"{doc.id}: id already used by an earlier document; ids must be unique to train on"))
            else:
                seen.add(doc.id)
                readable.append((position, doc))
        if not readable:
            continue
        predictions = clf.predict([doc.text for _, doc in readable], ids=[doc.id for _, doc in readable], voices=False)
        for (position, doc), prediction in zip(readable, predictions):
            if NOT_ENGLISH in prediction.flags:
                skipped.append(Document(doc.id, error=f"{doc.id}: not English; the model reads English only"))
                continue
            considered += 1
            found = uncertainty(clf, prediction)
            candidate = _Candidate(found.score, float(rng.random()), -position, doc, found)
            if len(pool) < pool_size:
                heapq.heappush(pool, candidate)
            elif candidate > pool[0]:
                heapq.heapreplace(pool, candidate)
    ranked = sorted(pool, reverse=True)
    picks = [ranked[i] for i in diverse_order(clf, [c.document.text for c in ranked], n, [c.score for c in ranked])]
    final = clf.predict([c.document.text for c in picks], ids=[c.document.id for c in picks], voices=True) if picks else []
    records = [suggestion_record(c.document, p, c.uncertain, rank) for rank, (c, p) in enumerate(zip(picks, final), 1)]
    return Suggestions(records, skipped, considered)


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[tuple[int, Document]]]:
    batch: list[tuple[int, Document]] = []
    for position, doc in enumerate(documents):
        batch.append((position, doc))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def diverse_order(clf: RegsecClassifier, texts: list[str], n: int, weights: list[float] | None = None) -> list[int]:
    """Indices of up to `n` texts by greedy farthest-point (k-center) on the model's TF-IDF rows
    (l2-normalized, so cosine distance is 1 - dot): text 0 first, then each time the text farthest
    from everything picked so far, its distance times its weight (its uncertainty) when given, so a
    pool that is most of the input does not trade uncertainty for outliers. Ties go to the earlier text."""
    if not texts:
        return []
    from scipy.sparse import csr_matrix

    rows = clf.features_.transform([clean_text(t[:MAX_CHARS]) for t in texts])
    X = csr_matrix((rows.values, rows.indices, rows.indptr), shape=(len(rows), len(clf.features_.idf)))
    weight = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=np.float64)
    picked = [0]
    distance = 1.0 - (X @ X[0].T).toarray().ravel()
    while len(picked) < min(n, len(texts)):
        gain = np.clip(distance, 0.0, None) * weight
        gain[picked] = -np.inf
        j = int(np.argmax(gain))
        picked.append(j)
        distance = np.minimum(distance, 1.0 - (X @ X[j].T).toarray().ravel())
    return picked


def suggestion_record(document: Document, prediction: Prediction, found: Uncertainty, rank: int) -> dict[str, Any]:
    """A label record (LABELS.md section 5) with the model's guesses: `target` is left null for the
    annotator (the model does not guess one, and `check_record` refuses a relevant record without
    it, so an unreviewed suggestion cannot slip into training); HELPER_FIELD says why it was picked."""
    text = document.text or ""
    voices, dropped, seen = [], 0, set()
    for v in prediction.voices:
        if v.evidence not in text or (v.actor, v.role) in seen:
            dropped += 1  # evidence changed by text cleaning (markup, Unicode form), or a repeated actor/role
            continue
        seen.add((v.actor, v.role))
        voices.append({"actor": v.actor, "role": v.role, "stance": v.stance, "evidence": v.evidence})
    helper: dict[str, Any] = {
        "rank": rank,
        "uncertainty": found.score,
        "reason": found.reason,
        "parts": found.parts,
        "scores": {"relevance": prediction.relevance, "topics": prediction.topic_scores, "stance": prediction.stance_scores},
        "model_version": prediction.model_version,
    }
    if dropped:
        helper["voices_dropped"] = dropped
    return {
        "id": document.id,
        "text": text,
        "topics": list(prediction.topics),
        "target": None,
        "stance": prediction.stance,
        "voices": voices,
        HELPER_FIELD: helper,
    }


def suggest_jsonl_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON line per record, UTF-8 text kept as is (as the corpus files are written)."""
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"
