"""Labeled records (LABELS.md section 5): reading JSONL with line numbers and checking each
record against the label standard. Every problem is reported; nothing stops at the first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.labels import ROLES, STANCES, TOPICS, VOICE_STANCES, is_actor

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record, located by file and line."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


Row = tuple[str, int, object]  # (source, line, parsed record or Problem)


@dataclass(frozen=True)
class LabeledRecord:
    """A record that passed `check_record`, with where it came from."""

    source: str
    line: int
    data: dict[str, Any]

    @property
    def group(self) -> str:
        """The event the record reports on (its id when no event is given)."""
        return str(self.data.get("event") or self.data["id"])


def check_record(record: object) -> list[str]:
    """Messages for everything in `record` that breaks the label standard (empty if valid)."""
    if not isinstance(record, dict):
        return [f"expected a JSON object, got {type(record).__name__}"]
    problems = []
    for key, kind in (("id", str), ("text", str), ("topics", list), ("voices", list)):
        if not isinstance(record.get(key), kind):
            problems.append(f"field {key!r} must be a {kind.__name__}, got {_describe(record.get(key))}")
    if problems:
        return problems
    if not record["text"].strip():
        problems.append("field 'text' is empty")
    topics = record["topics"]
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        problems.append(f"unknown topic(s) {unknown}; known: {', '.join(TOPICS)}")
    if len(set(map(str, topics))) != len(topics):
        problems.append("a topic is listed twice")
    stance, target = record.get("stance"), record.get("target")
    if topics:
        if stance not in STANCES:
            problems.append(f"stance {stance!r} must be one of {', '.join(STANCES)} for a document with topics")
        if not isinstance(target, str) or not target.strip():
            problems.append("a document with topics needs a target")
    else:
        if stance is not None or target is not None:
            problems.append("a document with no topic has target and stance null")
        if record["voices"]:
            problems.append("a document with no topic has no voices")
    if record.get("date") is not None and not _DATE.match(str(record["date"])):
        problems.append(f"date {record['date']!r} is not YYYY-MM-DD")
    seen = set()
    for n, voice in enumerate(record["voices"], 1):
        problems += [f"voice {n}: {m}" for m in _check_voice(voice, record["text"])]
        if isinstance(voice, dict):
            key = (voice.get("actor"), voice.get("role"))
            if key in seen:
                problems.append(f"voice {n}: a second voice for {key[0]}/{key[1]} (one per actor and role)")
            seen.add(key)
    return problems


def _check_voice(voice: object, text: str) -> list[str]:
    if not isinstance(voice, dict):
        return [f"expected an object, got {_describe(voice)}"]
    problems = []
    if not is_actor(voice.get("actor")):
        problems.append(f"actor {voice.get('actor')!r} is not an ISO alpha-3 code or UN/NATO/ASEAN/EU")
    if voice.get("role") not in ROLES:
        problems.append(f"role {voice.get('role')!r} must be one of {', '.join(ROLES)}")
    if voice.get("stance") not in VOICE_STANCES:
        problems.append(f"stance {voice.get('stance')!r} must be support or oppose")
    evidence = voice.get("evidence")
    if not isinstance(evidence, str) or not evidence.strip():
        problems.append("evidence sentence is missing")
    elif evidence not in text:
        problems.append(f"evidence does not occur in the text: {evidence[:60]!r}")
    return problems


def _describe(value: object) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {str(value)[:30]!r}"


def read_jsonl(path: Path) -> Iterator[Row]:
    """(source, line number, parsed object) for every non-blank line of a JSONL file; a
    Problem in place of the object where a line is not JSON or the file is not UTF-8."""
    with open(path, encoding="utf-8", errors="strict") as handle:
        n = 0
        try:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield str(path), n, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield str(path), n, Problem(str(path), n, f"not valid JSON ({exc.msg} at column {exc.colno})")
        except UnicodeDecodeError as exc:
            yield str(path), n + 1, Problem(str(path), n + 1, f"not UTF-8 ({exc.reason}); re-encode the file as UTF-8")


def validate_rows(rows: Iterable[Row]) -> tuple[list[LabeledRecord], list[Problem]]:
    """The rows that pass `check_record` (ids unique across all rows), and every problem."""
    records: list[LabeledRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for source, line, obj in rows:
        if isinstance(obj, Problem):
            problems.append(obj)
            continue
        messages = check_record(obj)
        if not messages and obj["id"] in first_seen:
            messages = [f"id {obj['id']!r} already used at {first_seen[obj['id']]}"]
        if messages:
            problems += [Problem(source, line, m) for m in messages]
            continue
        first_seen[obj["id"]] = f"{source}:{line}"
        records.append(LabeledRecord(source, line, obj))
    return records, problems
