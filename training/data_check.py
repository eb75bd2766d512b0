"""`regsec data check`: is the labeled corpus fit to train on? Label errors, duplicates,
repetition (shared 8-word sequences), overlap with the seed and evaluation articles, and
label counts against the corpus minimums. Every problem is collected; none stops the check."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from model.labels import ROLES, STANCES, TOPICS
from training.records import LabeledRecord, Problem
from training.sources import load_labeled

NGRAM = 8
MAX_MEAN_SHARE = 0.03  # mean share of a document's 8-grams found in some other document
MAX_PAIR_SHARE = 0.20  # share of a document's 8-grams found in one single other document
MAX_REFERENCE_SHARE = 0.05  # share of a document's 8-grams found in a seed or evaluation article
MIN_WORDS, MAX_WORDS = 60, 900


@dataclass(frozen=True)
class Minimums:
    """What the corpus must hold at least (issue: labeled corpus of regional-security reporting)."""

    documents: int = 1500
    per_topic: int = 120
    per_stance: int = 250
    off_topic: int = 400
    hard_negatives: int = 150
    voices: int = 1000
    voice_actors: int = 10
    per_role: int = 100
    long_documents: int = 300  # documents over 300 words
    contrasting_events: int = 150  # events with documents of two or more stances


@dataclass
class CheckReport:
    """The outcome of a corpus check: problems (each with file and line) and counts."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    shortfalls: list[str] = field(default_factory=list)
    mean_share: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.shortfalls


def words(text: str) -> list[str]:
    """Lower-cased word tokens, the unit of the repetition measure."""
    return re.findall(r"\w+", text.lower())


def ngrams(text: str, n: int = NGRAM) -> set[str]:
    """The set of n-word sequences of a text."""
    w = words(text)
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def check_corpus(
    paths: list[Path],
    minimums: Minimums | None = Minimums(),
    references: list[Path] | None = None,
) -> CheckReport:
    """Check every record under `paths`; compare against `references` (seed/eval JSONL or
    .txt files) for copied text; count labels against `minimums` (None: count only)."""
    records, problems = load_labeled(paths)
    report = CheckReport(problems=problems)
    for rec in records:
        n = len(rec.data["text"].split())
        if not MIN_WORDS <= n <= MAX_WORDS:
            report.problems.append(Problem(rec.source, rec.line, f"{n} words; documents run {MIN_WORDS}-{MAX_WORDS}"))
        if _opposition_without_domestic_politics(rec.data):
            report.problems.append(Problem(rec.source, rec.line, "an opposition voice but no domestic_politics topic (data/LABELS.md section 6)"))
    report.problems += _duplicates_and_repetition(records, report)
    if references:
        report.problems += _reference_overlap(records, references)
    report.counts = count_labels(records)
    if minimums is not None:
        report.shortfalls = _shortfalls(report.counts, minimums)
    report.problems.sort(key=lambda p: (p.source, p.line))
    return report


def _opposition_without_domestic_politics(record: dict) -> bool:
    """Section 6 of data/LABELS.md: a document that codes an opposition voice has a sentence of
    domestic politics, so it carries the topic; a record breaking that is mislabeled one way or the other."""
    return any(v["role"] == "opposition" for v in record["voices"]) and "domestic_politics" not in record["topics"]


def _duplicates_and_repetition(records: list[LabeledRecord], report: CheckReport) -> list[Problem]:
    problems = []
    by_text: dict[str, LabeledRecord] = {}
    for rec in records:
        key = " ".join(words(rec.data["text"]))
        if key in by_text:
            first = by_text[key]
            problems.append(Problem(rec.source, rec.line, f"exact duplicate of {first.data['id']} ({first.source}:{first.line})"))
        else:
            by_text[key] = rec
    grams = [ngrams(rec.data["text"]) for rec in records]
    holders: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            holders[gram].append(i)
    shares = []
    for i, g in enumerate(grams):
        if not g:
            continue
        per_doc: Counter[int] = Counter()
        shared = 0
        for gram in g:
            others = [j for j in holders[gram] if j != i]
            shared += bool(others)
            per_doc.update(others)
        shares.append(shared / len(g))
        if per_doc:
            j, k = per_doc.most_common(1)[0]
            if k / len(g) > MAX_PAIR_SHARE:
                rec, other = records[i], records[j]
                message = f"near-duplicate: shares {k / len(g):.0%} of its {NGRAM}-word sequences with {other.data['id']}"
                problems.append(Problem(rec.source, rec.line, f"{message} (limit {MAX_PAIR_SHARE:.0%})"))
    report.mean_share = sum(shares) / len(shares) if shares else 0.0
    if report.mean_share >= MAX_MEAN_SHARE:
        message = f"mean share of repeated {NGRAM}-word sequences is {report.mean_share:.2%} (limit {MAX_MEAN_SHARE:.0%})"
        problems.append(Problem("corpus", 0, f"{message}: text is templated"))
    return problems


def reference_texts(paths: list[Path]) -> list[tuple[str, str]]:
    """(name, text) of the seed and evaluation articles: .txt files and the `text` of JSONL records."""
    out = []
    for path in paths:
        path = Path(path)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".txt":
                out.append((f.name, f.read_text(encoding="utf-8", errors="replace")))
            elif f.suffix == ".jsonl":
                for line in f.read_text(encoding="utf-8").splitlines():
                    rec = json.loads(line) if line.strip() else None
                    if isinstance(rec, dict) and "text" in rec:
                        out.append((f"{f.name}:{rec.get('id')}", rec["text"]))
    return out


def _reference_overlap(records: list[LabeledRecord], references: list[Path]) -> list[Problem]:
    ref_grams: dict[str, str] = {}
    for name, text in reference_texts(references):
        for gram in ngrams(text):
            ref_grams.setdefault(gram, name)
    problems = []
    for rec in records:
        g = ngrams(rec.data["text"])
        hits = Counter(ref_grams[x] for x in g if x in ref_grams)
        if hits and g:
            name, k = hits.most_common(1)[0]
            if k / len(g) > MAX_REFERENCE_SHARE:
                problems.append(Problem(rec.source, rec.line, f"shares {k / len(g):.0%} of its {NGRAM}-word sequences with held-out article {name}"))
    return problems


def count_labels(records: list[LabeledRecord]) -> dict[str, int]:
    """Label counts of a corpus, named as in the datasheet."""
    data = [r.data for r in records]
    voices = [v for d in data for v in d["voices"]]
    stances_by_event: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if rec.data["topics"]:
            stances_by_event[rec.group].add(rec.data["stance"])
    counts = {"documents": len(data), "relevant": sum(bool(d["topics"]) for d in data)}
    counts["off_topic"] = counts["documents"] - counts["relevant"]
    counts["hard_negatives"] = sum(bool(d.get("hard_negative")) and not d["topics"] for d in data)
    counts.update({f"topic:{t}": sum(t in d["topics"] for d in data) for t in TOPICS})
    counts.update({f"stance:{s}": sum(d["stance"] == s for d in data) for s in STANCES})
    counts["voices"] = len(voices)
    counts["voice_actors"] = len({v["actor"] for v in voices})
    counts.update({f"role:{r}": sum(v["role"] == r for v in voices) for r in ROLES})
    counts["long_documents"] = sum(len(d["text"].split()) > 300 for d in data)
    counts["page_noise"] = sum(bool(d.get("page_noise")) for d in data)
    counts["events"] = len({r.group for r in records})
    counts["contrasting_events"] = sum(len(s) >= 2 for s in stances_by_event.values())
    return counts


def _shortfalls(counts: dict[str, int], m: Minimums) -> list[str]:
    wanted = {
        "documents": m.documents,
        "off_topic": m.off_topic,
        "hard_negatives": m.hard_negatives,
        "voices": m.voices,
        "voice_actors": m.voice_actors,
        "long_documents": m.long_documents,
        "contrasting_events": m.contrasting_events,
        **{f"topic:{t}": m.per_topic for t in TOPICS},
        **{f"stance:{s}": m.per_stance for s in STANCES},
        **{f"role:{r}": m.per_role for r in ROLES},
    }
    return [f"{name}: {counts[name]} < {minimum}" for name, minimum in wanted.items() if counts[name] < minimum]


def minimum_of(name: str, m: Minimums = Minimums()) -> int | None:
    """The minimum that applies to a count name, for printing beside it."""
    if name.startswith("topic:"):
        return m.per_topic
    if name.startswith("stance:"):
        return m.per_stance
    if name.startswith("role:"):
        return m.per_role
    return getattr(m, name, None)


def format_report(report: CheckReport) -> str:
    """Problems one per line, then the counts beside their minimums, then the verdict."""
    lines = [str(p) for p in report.problems]
    lines.append(f"{'count':24s} {'value':>7s} {'minimum':>8s}")
    for name, value in report.counts.items():
        minimum = minimum_of(name)
        mark = "" if minimum is None else ("  ok" if value >= minimum else "  SHORT")
        lines.append(f"{name:24s} {value:7d} {'' if minimum is None else minimum:>8}{mark}")
    lines.append(f"{'repetition (mean 8-gram share)':32s} {report.mean_share:.2%} (limit {MAX_MEAN_SHARE:.0%})")
    verdict = "PASS" if report.ok else f"FAIL: {len(report.problems)} problem(s), {len(report.shortfalls)} count(s) short"
    lines.append(verdict)
    return "\n".join(lines)


DATASHEET_START = "<!-- counts: written by `regsec data check --datasheet data/README.md`; do not edit by hand -->"
DATASHEET_END = "<!-- end of counts -->"


def counts_markdown(report: CheckReport) -> str:
    """The label counts as a markdown table, with the minimum each must meet."""
    rows = ["| count | value | minimum |", "|---|---|---|"]
    for name, value in report.counts.items():
        minimum = minimum_of(name)
        rows.append(f"| {name} | {value} | {'' if minimum is None else minimum} |")
    rows.append(f"| repetition: mean share of a document's 8-word sequences found in another document | {report.mean_share:.2%} | under 3% |")
    return "\n".join(rows)


def update_datasheet(path: Path, report: CheckReport) -> None:
    """Replace the counts block of the datasheet at `path` with the current counts."""
    text = path.read_text(encoding="utf-8")
    if DATASHEET_START not in text or DATASHEET_END not in text:
        raise ValueError(f"{path}: no counts block; add the lines {DATASHEET_START!r} and {DATASHEET_END!r}")
    head, rest = text.split(DATASHEET_START, 1)
    _, tail = rest.split(DATASHEET_END, 1)
    path.write_text(f"{head}{DATASHEET_START}\n{counts_markdown(report)}\n{DATASHEET_END}{tail}", encoding="utf-8")
