"""What regsec says about one article, and its JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Voice:
    """An actor's position on the article's target, with the sentence that shows it."""

    actor: str
    role: str
    stance: str
    evidence: str
    score: float


@dataclass(frozen=True)
class Prediction:
    """Labels for one article; `to_dict()` is the JSONL record the CLI writes."""

    id: str | None
    relevant: bool
    relevance: float
    topics: list[str]
    topic_scores: dict[str, float]
    stance: str | None
    stance_scores: dict[str, float]
    model_version: str
    voices: list[Voice] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The record in the documented key order (id first, model_version last)."""
        record = asdict(self)
        return {key: record[key] for key in RECORD_KEYS}


RECORD_KEYS = ("id", "relevant", "relevance", "topics", "topic_scores", "stance", "stance_scores", "voices", "flags", "model_version")
# Flags: why labels may be missing or partial.
NOT_ENGLISH = "not_english"  # labels withheld: the model reads English only
TRUNCATED = "truncated"  # only the first MAX_CHARS characters were read
UNCERTAIN = "uncertain"  # relevance near its threshold, no topic past its threshold, or no clear stance
UNFAMILIAR = "unfamiliar"  # fewer than half the words are ones the model has seen: unlike its training text
FLAGS = (NOT_ENGLISH, TRUNCATED, UNCERTAIN, UNFAMILIAR)
